// The device host's cgroup: /vmi/<id>.devhost, a sibling of the guest's
// /vmi/<id> in every controller that accounts for CPU, memory and tasks
// (each v1 hierarchy, or the unified one on a v2 host), with limits of its
// own so that what the instance's viewers cost (capture, encoders, fan-out,
// sound) is bounded by the instance's own allowance, not by the node.
//
// The limits come from the instance's spec, which its owner's quota bounded
// at creation (node/instance_limits.h): the device host may use as much CPU
// bandwidth as the guest (`cpus`), a fixed amount of memory (the encoders
// and the viewers' send queues; over it the kernel kills the device host,
// which the daemon restarts and whose viewers reconnect) and a bounded
// number of tasks. A flood of viewers or input is throttled there.
//
// Threads: none; the functions are reentrant. Errors are returned (the
// caller logs them and the device host runs unconfined rather than not at
// all).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.h"
#include "runtime/core/host_info.h"
#include "runtime/core/instance_spec.h"

namespace vmi::node::live {

struct DeviceHostLimits {
  double cpus = 1.0;                     // CPU bandwidth in cores
  int64_t memory_bytes = 512LL << 20;    // memory (and, on v1, kernel memory it charges)
  int64_t pids_max = 256;                // tasks: threads of encoders, VNC, HTTP
};

DeviceHostLimits DeviceHostLimitsFor(const runtime::InstanceSpec& spec);

// The cgroup directories of instance `id`'s device host under `root`
// (/sys/fs/cgroup), one per hierarchy (cpu and cpuacct mounted together
// count once).
std::vector<std::string> DeviceHostCgroupDirs(runtime::CgroupMode mode, const std::string& id,
                                              const std::string& root = "/sys/fs/cgroup");

// Creates the cgroups, writes the limits, then moves `pid` into them.
Result<void> JoinDeviceHostCgroup(runtime::CgroupMode mode, const std::string& id, pid_t pid,
                                  const DeviceHostLimits& limits,
                                  const std::string& root = "/sys/fs/cgroup");

// Removes the (empty) cgroups.
void RemoveDeviceHostCgroup(runtime::CgroupMode mode, const std::string& id,
                            const std::string& root = "/sys/fs/cgroup");

}  // namespace vmi::node::live
