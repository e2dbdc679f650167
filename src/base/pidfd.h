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

}  // namespace vmi
