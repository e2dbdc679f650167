#include "runtime/core/container_stop.h"

#include <signal.h>

#include <cstdlib>

#include "base/file.h"
#include "base/log.h"

namespace vmi::runtime {
namespace {

pid_t ParentOf(pid_t pid) {
  auto status = ReadFile("/proc/" + std::to_string(pid) + "/status", 64 << 10);
  if (!status.ok()) return 0;
  for (std::string_view line : Split(*status, '\n')) {
    if (line.starts_with("PPid:"))
      return static_cast<pid_t>(std::strtol(std::string(line.substr(5)).c_str(), nullptr, 10));
  }
  return 0;
}

}  // namespace

AdoptedProcess FindInit(const AdoptedProcess& monitor, pid_t init_pid) {
  if (!monitor.alive() || init_pid <= 0) return AdoptedProcess();
  // The pidfd first, then the parent: once the pidfd is open, the pid
  // cannot be reused, so a parent read afterwards is this process's.
  AdoptedProcess init = AdoptedProcess::Find(init_pid);
  if (!init.alive() || ParentOf(init_pid) != monitor.pid()) return AdoptedProcess();
  return init;
}

Result<void> StopContainer(const OciRuntime& runtime, const std::string& container_id,
                           const AdoptedProcess& monitor, pid_t init_pid, StopTimes times) {
  if (!monitor.alive()) return Ok();
  const AdoptedProcess init = FindInit(monitor, init_pid);
  auto signal = [&](int sig) {
    Result<void> sent = init.alive() ? init.Signal(sig)
                                     : runtime.Kill(container_id, sig, /*all=*/sig == SIGKILL);
    // An init that exited meanwhile is what the signal was for.
    if (!sent.ok() && monitor.WaitExit(std::chrono::milliseconds(0))) return;
    if (!sent.ok()) VMI_ILOG(WARN, container_id) << sent.error().ToString();
  };
  // vmi-init shuts the session down on SIGTERM within its own deadline.
  signal(SIGTERM);
  if (!monitor.WaitExit(times.grace)) {
    VMI_ILOG(WARN, container_id) << "did not stop in " << times.grace.count() << " ms; killing";
    signal(SIGKILL);
    if (!monitor.WaitExit(times.after_kill))
      return Error(ErrorCode::kDeadlineExceeded, "container " + container_id +
                                                     " did not die after SIGKILL");
  }
  monitor.Reap();
  return Ok();
}

Result<void> KillMonitor(const AdoptedProcess& monitor, std::chrono::milliseconds timeout) {
  if (!monitor.alive()) return Ok();
  monitor.Signal(SIGKILL).ok();
  if (!monitor.WaitExit(timeout))
    return Error(ErrorCode::kDeadlineExceeded,
                 "monitor " + std::to_string(monitor.pid()) + " did not die after SIGKILL");
  monitor.Reap();
  return Ok();
}

}  // namespace vmi::runtime
