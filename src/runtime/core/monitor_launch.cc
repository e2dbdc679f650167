#include "runtime/core/monitor_launch.h"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/line_reader.h"
#include "base/pidfd.h"
#include "runtime/core/monitor_protocol.h"

namespace vmi::runtime {

namespace mp = monitor_protocol;

Result<MonitorLaunch> MonitorLaunch::Create(const OciRuntime* runtime, MonitorOptions options) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return Error::FromErrno("socketpair");
  UniqueFd ours(sv[0]), theirs(sv[1]);
  std::vector<std::string> argv = {options.monitor_path, "--runtime", runtime->host().runtime_path,
                                   "--id", options.container_id, "--bundle", options.bundle,
                                   "--state-dir", options.state_dir, "--log", options.log};
  if (runtime->host().hide_cgroup2_controllers) argv.push_back("--hide-cgroup2-controllers");
  SpawnOptions so;
  so.pass_fds = {theirs.get()};  // becomes mp::kSyncFd, the first passed fd
  so.new_session = true;
  auto spawned = ChildProcess::Spawn(argv, so);
  theirs.reset();  // only the monitor holds its end: its exit is our end of input
  if (!spawned.ok()) return std::move(spawned).error().Context("spawn monitor");
  MonitorLaunch launch(runtime, std::move(options), std::move(*spawned), std::move(ours));
  launch.init_pid_ = VMI_TRY(launch.Await("created"));
  return launch;
}

MonitorLaunch::MonitorLaunch(MonitorLaunch&& other) noexcept
    : runtime_(other.runtime_),
      options_(std::move(other.options_)),
      monitor_(std::move(other.monitor_)),
      sync_(std::move(other.sync_)),
      init_pid_(other.init_pid_) {
  other.monitor_.reset();  // a moved-from launch aborts nothing
}

MonitorLaunch::~MonitorLaunch() {
  if (!monitor_) return;
  // Before "start" the monitor deletes the container when its end closes;
  // after it, the monitor waits for the container: kill that, it cleans up.
  sync_.reset();
  runtime_->Kill(options_.container_id, SIGKILL, true).ok();
  monitor_->WaitOrKill(std::chrono::seconds(15)).ok();
}

Result<pid_t> MonitorLaunch::Await(const char* expected) {
  auto line = ReadLine(sync_.get(), {.timeout = options_.reply_timeout, .what = "monitor"});
  if (!line.ok()) return std::move(line).error();
  auto reply = VMI_TRY(mp::ParseReply(*line));
  if (reply.kind == mp::Reply::Kind::kError)
    return Error(ErrorCode::kInternal, "container: " + reply.message);
  const auto want = std::string_view(expected) == "created" ? mp::Reply::Kind::kCreated
                                                            : mp::Reply::Kind::kStarted;
  if (reply.kind != want)
    return Error(ErrorCode::kInternal, "monitor: '" + *line + "' where " + expected + " was due");
  return reply.pid;
}

Result<void> MonitorLaunch::Start() {
  const std::string line = std::string(mp::kStart) + "\n";
  if (write(sync_.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    return Error::FromErrno("signal monitor");
  pid_t started = VMI_TRY(Await("started"));
  if (started != init_pid_)
    return Error(ErrorCode::kInternal, "monitor: started pid " + std::to_string(started) +
                                           ", created " + std::to_string(init_pid_));
  return Ok();
}

LaunchedMonitor MonitorLaunch::Release() {
  LaunchedMonitor out{monitor_->pid(), ProcessStartTicks(monitor_->pid()), init_pid_};
  monitor_->Detach();  // it outlives the daemon; the daemon's watcher reaps it
  monitor_.reset();
  sync_.reset();
  return out;
}

}  // namespace vmi::runtime
