// pidfds: a handle on a process that cannot be confused with a later process
// that reuses the pid. ChildProcess owns its own children through these; the
// daemon uses them directly for processes it adopts (a container monitor
// started by an earlier daemon, a container's init).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>

#include "base/result.h"
#include "base/unique_fd.h"

namespace vmi {

// pidfd_open(2), close-on-exec. ESRCH (no such process) is kNotFound.
Result<UniqueFd> OpenPidfd(pid_t pid);
// pidfd_send_signal(2).
Result<void> SignalPidfd(int pidfd, int sig);
// Waits up to `timeout` for the process to exit (the pidfd becomes readable).
// True if it exited; it is not reaped (waitid(P_PIDFD) does that, if it is ours).
bool WaitPidfdExit(int pidfd, std::chrono::milliseconds timeout);
// Start time of a process in clock ticks since boot (0 if it is gone or a
// zombie): with the pid, an identity no later process shares.
uint64_t ProcessStartTicks(pid_t pid);

// A process known by its pid and start time, held through a pidfd that is
// opened only if that very process is still alive: the handle for a process
// the caller did not spawn, or spawned in an earlier life (a container's
// monitor after a daemon restart, a container's init). The pidfd is opened
// before the start time is compared, so a handle never refers to a later
// process that reused the pid.
class AdoptedProcess {
 public:
  AdoptedProcess() = default;
  // Not alive() when `pid` is not positive, gone, a zombie, or another
  // process than the one that started at `start_ticks` (0: any).
  static AdoptedProcess Find(pid_t pid, uint64_t start_ticks = 0);

  bool alive() const { return static_cast<bool>(fd_); }
  pid_t pid() const { return pid_; }
  int fd() const { return fd_.get(); }
  Result<void> Signal(int sig) const;
  // True once it exited (at once for a handle that is not alive()).
  bool WaitExit(std::chrono::milliseconds timeout) const;
  // Collects its exit status if it is this process's child; no-op otherwise.
  void Reap() const;

 private:
  AdoptedProcess(pid_t pid, UniqueFd fd) : pid_(pid), fd_(std::move(fd)) {}
  pid_t pid_ = 0;
  UniqueFd fd_;
};

}  // namespace vmi
