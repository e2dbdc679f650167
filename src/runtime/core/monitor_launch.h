// MonitorLaunch: one start of a container through its vmi-monitor.
//
// Create() spawns the monitor, which creates the container and reports its
// init's pid; the caller wires the host side (network, port policy) and then
// calls Start(), after which the container's init runs. Release() hands the
// running monitor over: it outlives the daemon on purpose and is found again
// by its pid and start time (AdoptedProcess). A launch destroyed before
// Release() is aborted: the container is killed and deleted by its monitor,
// which is waited for, so a failed start leaves no process behind.
//
// The wire format is monitor_protocol.h; only this class speaks it on the
// daemon's side.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "base/child_process.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "runtime/core/oci_runtime.h"

namespace vmi::runtime {

struct MonitorOptions {
  std::string monitor_path;  // the vmi-monitor binary
  std::string container_id;  // "vmi-<instance id>"
  std::string bundle;        // the OCI bundle directory
  std::string state_dir;     // where the monitor writes init.pid and exit
  std::string log;           // the container's console log
  // How long each of the monitor's replies may take.
  std::chrono::milliseconds reply_timeout{60000};
};

// A monitor that was handed over: who it is, and the container's init.
struct LaunchedMonitor {
  pid_t monitor_pid = 0;
  uint64_t monitor_start_ticks = 0;
  pid_t init_pid = 0;
};

class MonitorLaunch {
 public:
  // Spawns the monitor and waits until the container exists (not started).
  static Result<MonitorLaunch> Create(const OciRuntime* runtime, MonitorOptions options);

  MonitorLaunch(MonitorLaunch&& other) noexcept;
  MonitorLaunch& operator=(MonitorLaunch&&) = delete;
  ~MonitorLaunch();

  pid_t monitor_pid() const { return monitor_->pid(); }
  pid_t init_pid() const { return init_pid_; }
  // Lets the container's init run; returns once the runtime started it.
  Result<void> Start();
  // Gives up ownership of the running monitor (after Start()).
  LaunchedMonitor Release();

 private:
  MonitorLaunch(const OciRuntime* runtime, MonitorOptions options, ChildProcess monitor,
                UniqueFd sync)
      : runtime_(runtime),
        options_(std::move(options)),
        monitor_(std::move(monitor)),
        sync_(std::move(sync)) {}
  // Reads the monitor's next reply; an error reply or end of input is an error.
  Result<pid_t> Await(const char* expected);

  const OciRuntime* runtime_;
  MonitorOptions options_;
  std::optional<ChildProcess> monitor_;  // empty once released (or moved from)
  UniqueFd sync_;
  pid_t init_pid_ = 0;
};

}  // namespace vmi::runtime
