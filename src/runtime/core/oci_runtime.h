// OciRuntime: drives crun or runc for commands on existing containers
// (exec, kill, delete, state). Creating and starting a container is done by
// vmi-monitor (src/runtime/monitor), which outlives the daemon.
//
// crun 1.8 refuses to run on hybrid cgroup v1+v2 hosts while the v2
// hierarchy has controllers enabled. On such hosts every crun invocation runs
// in a private mount namespace where /sys/fs/cgroup/unified/cgroup.controllers
// is covered by an empty file: crun then drives the v1 controllers, which is
// what the host really uses. The host's view is unchanged.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/child_process.h"
#include "base/result.h"
#include "runtime/core/host_info.h"

namespace vmi::runtime {

// The pre_exec hook for ChildProcess: enters a private mount namespace and
// hides the cgroup v2 controllers. Async-signal-safe. Returns 0 or errno.
int HideCgroup2ControllersPreExec(void*);

class OciRuntime {
 public:
  explicit OciRuntime(HostInfo host) : host_(std::move(host)) {}

  const HostInfo& host() const { return host_; }
  // Options for spawning the runtime binary (with the hybrid workaround).
  SpawnOptions RuntimeSpawnOptions() const;
  // The runtime's argv prefix ("/usr/bin/crun").
  std::vector<std::string> Command(std::vector<std::string> args) const;

  // Runs a command inside a running container; output is bounded.
  Result<RunOutput> Exec(const std::string& id, const std::vector<std::string>& argv,
                         std::chrono::milliseconds timeout, size_t max_output) const;
  Result<void> Kill(const std::string& id, int signal, bool all = false) const;
  Result<void> Delete(const std::string& id, bool force) const;
  // "running", "created", "stopped" or NotFound.
  Result<std::string> Status(const std::string& id) const;

 private:
  HostInfo host_;
};

}  // namespace vmi::runtime
