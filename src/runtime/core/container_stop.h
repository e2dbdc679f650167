// Stopping a running container whose parent is its vmi-monitor.
//
// The container's init is signalled through a pidfd from the daemon itself,
// not through `crun kill`: the init is the monitor's child (the monitor is
// its subreaper), so the pid is checked to be that child before it is
// trusted, and a signal sent this way cannot reach a later process that
// reused the pid. SIGKILL of a pid namespace's init ends every process in
// it. Where the init is not the monitor's child (a runtime that keeps its
// own parent process), the runtime's `kill` is used instead. The stop is
// over when the monitor exits: it writes the exit status and deletes the
// container first.
//
// Threads: blocking calls on the caller's thread; no state.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

#include "base/pidfd.h"
#include "base/result.h"
#include "runtime/core/oci_runtime.h"

namespace vmi::runtime {

// The container's init, if `init_pid` is alive and the child of `monitor`.
AdoptedProcess FindInit(const AdoptedProcess& monitor, pid_t init_pid);

struct StopTimes {
  // How long the init may take to shut its session down after SIGTERM.
  std::chrono::milliseconds grace{10000};
  // How long the monitor may take to notice a killed init and clean up.
  std::chrono::milliseconds after_kill{10000};
};

// SIGTERM to the init, SIGKILL after `times.grace`, then waits for the
// monitor to exit (and reaps it if it is the caller's child). A monitor
// that is not alive() is stopped already. kDeadlineExceeded if the monitor
// outlives the kill: the caller may then KillMonitor().
Result<void> StopContainer(const OciRuntime& runtime, const std::string& container_id,
                           const AdoptedProcess& monitor, pid_t init_pid, StopTimes times);

// The last resort: SIGKILL to the monitor itself, waited for. Its container
// is left to the caller to delete (the monitor cannot any more).
Result<void> KillMonitor(const AdoptedProcess& monitor, std::chrono::milliseconds timeout);

}  // namespace vmi::runtime
