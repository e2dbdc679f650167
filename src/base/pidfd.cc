#include "base/pidfd.h"

#include <poll.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "base/clock.h"
#include "base/file.h"

namespace vmi {

Result<UniqueFd> OpenPidfd(pid_t pid) {
  // pidfds are always close-on-exec; pidfd_open takes no O_CLOEXEC flag.
  int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) {
    Error e = Error::FromErrno("pidfd_open " + std::to_string(pid));
    if (errno == ESRCH) return Error(ErrorCode::kNotFound, e.ToString());
    return e;
  }
  return UniqueFd(fd);
}

Result<void> SignalPidfd(int pidfd, int sig) {
  if (syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) != 0) {
    return Error::FromErrno("pidfd_send_signal");
  }
  return {};
}

bool WaitPidfdExit(int pidfd, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    pollfd p{pidfd, POLLIN, 0};
    int r = poll(&p, 1, MillisUntil(deadline));
    if (r > 0) return true;
    if (r == 0 || errno != EINTR) return false;
  }
}

uint64_t ProcessStartTicks(pid_t pid) {
  if (pid <= 0) return 0;
  auto stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (!stat.ok()) return 0;
  // Field 22 (starttime), counted after the ")" that ends the command name.
  size_t close = stat->rfind(')');
  if (close == std::string::npos) return 0;
  auto fields = Split(std::string_view(*stat).substr(close + 2), ' ');
  if (fields.size() < 20) return 0;
  if (fields[0] == "Z" || fields[0] == "X") return 0;  // exited, not yet reaped
  return std::strtoull(fields[19].c_str(), nullptr, 10);
}

AdoptedProcess AdoptedProcess::Find(pid_t pid, uint64_t start_ticks) {
  if (pid <= 0) return AdoptedProcess();
  auto fd = OpenPidfd(pid);
  if (!fd.ok()) return AdoptedProcess();
  uint64_t ticks = ProcessStartTicks(pid);
  if (ticks == 0 || (start_ticks != 0 && ticks != start_ticks)) return AdoptedProcess();
  return AdoptedProcess(pid, std::move(*fd));
}

Result<void> AdoptedProcess::Signal(int sig) const {
  if (!fd_) return Error(ErrorCode::kNotFound, "process " + std::to_string(pid_) + " is gone");
  return SignalPidfd(fd_.get(), sig);
}

bool AdoptedProcess::WaitExit(std::chrono::milliseconds timeout) const {
  return !fd_ || WaitPidfdExit(fd_.get(), timeout);
}

void AdoptedProcess::Reap() const {
  if (!fd_) return;
  siginfo_t info;
  waitid(P_PIDFD, fd_.get(), &info, WEXITED | WNOHANG);
}

}  // namespace vmi
