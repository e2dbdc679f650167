// vmi-monitor: the parent of one running container.
//
// The daemon starts one monitor per instance start. The monitor creates and
// starts the container through the OCI runtime, becomes the subreaper of its
// init process, and outlives the daemon: if the daemon is killed and
// restarted, the container keeps running and its exit status is still
// recorded. It is small on purpose (one process, no threads).
//
// Handshake with the daemon over a socketpair passed as fd 3: see
// runtime/core/monitor_protocol.h (the daemon's side is MonitorLaunch). A
// daemon that closes fd 3 before "start" aborts the start: the monitor
// deletes the container and exits.
//
// When the container's init exits, the monitor writes <state-dir>/exit
// ("exited N" or "signaled N"), deletes the container and exits 0.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "base/child_process.h"
#include "base/file.h"
#include "base/line_reader.h"
#include "runtime/core/monitor_protocol.h"
#include "runtime/core/oci_runtime.h"

namespace {

struct Args {
  std::string runtime, id, bundle, state_dir, log;
  bool hide = false;
};

void Say(int fd, const std::string& line) {
  std::string s = line + "\n";
  ssize_t r = write(fd, s.data(), s.size());
  (void)r;
}

std::string Tail(const std::string& path) {
  auto text = vmi::ReadFile(path, 1 << 24);
  if (!text.ok()) return "";
  std::string s = *text;
  if (s.size() > 400) s = s.substr(s.size() - 400);
  for (char& c : s)
    if (c == '\n') c = ' ';
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (k == "--runtime") a.runtime = next();
    else if (k == "--id") a.id = next();
    else if (k == "--bundle") a.bundle = next();
    else if (k == "--state-dir") a.state_dir = next();
    else if (k == "--log") a.log = next();
    else if (k == "--hide-cgroup2-controllers") a.hide = true;
  }
  namespace mp = vmi::runtime::monitor_protocol;
  const int sync = mp::kSyncFd;
  if (a.runtime.empty() || a.id.empty() || a.bundle.empty() || a.state_dir.empty() ||
      fcntl(sync, F_GETFD) < 0) {
    fprintf(stderr, "usage: vmi-monitor --runtime PATH --id ID --bundle DIR --state-dir DIR "
                    "--log FILE [--hide-cgroup2-controllers] (fd 3: sync socket)\n");
    return 2;
  }
  fcntl(sync, F_SETFD, FD_CLOEXEC);
  setsid();
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  signal(SIGPIPE, SIG_IGN);
  // The daemon may die at any time; the monitor must not die with it.
  signal(SIGHUP, SIG_IGN);
  if (a.hide && vmi::runtime::HideCgroup2ControllersPreExec(nullptr) != 0) {
    Say(sync, mp::Failure(std::string("hide cgroup2 controllers: ") + strerror(errno)));
    return 1;
  }
  vmi::UniqueFd log(open(a.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!log) {
    Say(sync, mp::Failure("open log " + a.log + ": " + strerror(errno)));
    return 1;
  }
  std::string pid_file = a.state_dir + "/init.pid";
  unlink(pid_file.c_str());
  unlink((a.state_dir + "/exit").c_str());

  vmi::SpawnOptions o;
  o.stdout_fd = log.get();
  o.stderr_fd = log.get();
  auto run = [&](std::vector<std::string> args) -> int {
    args.insert(args.begin(), a.runtime);
    auto child = vmi::ChildProcess::Spawn(args, o);
    if (!child.ok()) return -1;
    auto st = child->Wait();
    return st.ok() ? *st : -1;
  };
  auto cleanup = [&] { run({"delete", "--force", a.id}); };

  if (run({"create", "--bundle", a.bundle, "--pid-file", pid_file, a.id}) != 0) {
    Say(sync, mp::Failure("create failed: " + Tail(a.log)));
    cleanup();
    return 1;
  }
  auto pid_text = vmi::ReadFile(pid_file);
  pid_t pid = pid_text.ok() ? std::atoi(pid_text->c_str()) : 0;
  if (pid <= 0) {
    Say(sync, mp::Failure("no pid file from runtime"));
    cleanup();
    return 1;
  }
  Say(sync, mp::Created(pid));
  if (auto line = vmi::ReadLine(sync, {.max_bytes = 256, .what = "daemon"});
      !line.ok() || *line != mp::kStart) {
    cleanup();
    return 1;
  }
  if (run({"start", a.id}) != 0) {
    Say(sync, mp::Failure("start failed: " + Tail(a.log)));
    cleanup();
    return 1;
  }
  Say(sync, mp::Started(pid));
  close(sync);

  // Reap everything reparented to us; stop when the container's init exits.
  int status = 0;
  for (;;) {
    int st;
    pid_t r = waitpid(-1, &st, 0);
    if (r == pid) {
      status = st;
      break;
    }
    if (r < 0 && errno == ECHILD) {
      // Not our child (the runtime kept it); poll until it is gone.
      while (kill(pid, 0) == 0) usleep(100000);
      status = -1;
      break;
    }
  }
  std::string line;
  if (status < 0) line = "unknown";
  else if (WIFEXITED(status)) line = "exited " + std::to_string(WEXITSTATUS(status));
  else line = "signaled " + std::to_string(WTERMSIG(status));
  vmi::WriteFileAtomic(a.state_dir + "/exit", line + "\n").ok();
  cleanup();
  return 0;
}
