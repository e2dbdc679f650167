// Instance metrics for GET /metrics, computed at scrape time:
//
//   vmi_instances{state="running"}                      gauge, every state
//   vmi_instance_cpu_seconds_total{instance,name}       counter, from the cgroup
//   vmi_instance_memory_bytes{instance,name}            gauge, from the cgroup
//   vmi_instance_memory_limit_bytes{instance,name}      gauge, the spec's limit
//   vmi_node_cpus, vmi_node_memory_bytes                gauges, the host capacity
//
// Cgroup figures are read for running instances from cgroup v2
// (<root>/vmi/<id>/{cpu.stat,memory.current}) or, on hybrid and v1 hosts,
// from the v1 cpuacct and memory controllers; an instance whose files cannot
// be read is left out of those families.
//
// Threads: the collector runs on the rendering thread; it only reads the
// manager's snapshot (List) and cgroup files.
#pragma once

#include <optional>
#include <string>

#include "api/metrics/metrics.h"
#include "node/instance_manager.h"

namespace vmi::node {

struct CgroupUsage {
  double cpu_seconds = 0;
  int64_t memory_bytes = 0;
};

// `cgroup_root` is normally /sys/fs/cgroup (a parameter for tests).
std::optional<CgroupUsage> ReadCgroupUsage(const std::string& cgroup_root,
                                           const std::string& relative_path);

void AddInstanceMetrics(api::MetricsRegistry& metrics, InstanceManager& manager,
                        std::string cgroup_root = "/sys/fs/cgroup");

}  // namespace vmi::node
