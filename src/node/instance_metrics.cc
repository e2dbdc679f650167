#include "node/instance_metrics.h"

#include <cstdlib>
#include <map>

#include "base/file.h"

namespace vmi::node {

namespace {

std::optional<int64_t> ReadNumber(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok() || text->empty()) return std::nullopt;
  char* end = nullptr;
  long long v = strtoll(text->c_str(), &end, 10);
  if (end == text->c_str()) return std::nullopt;
  return v;
}

// "usage_usec 1234" from cgroup v2's cpu.stat.
std::optional<int64_t> ReadUsageUsec(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return std::nullopt;
  size_t at = text->find("usage_usec ");
  if (at == std::string::npos) return std::nullopt;
  return strtoll(text->c_str() + at + 11, nullptr, 10);
}

}  // namespace

std::optional<CgroupUsage> ReadCgroupUsage(const std::string& root, const std::string& rel) {
  CgroupUsage u;
  if (auto usec = ReadUsageUsec(root + rel + "/cpu.stat")) {
    auto mem = ReadNumber(root + rel + "/memory.current");
    if (!mem) return std::nullopt;
    u.cpu_seconds = static_cast<double>(*usec) / 1e6;
    u.memory_bytes = *mem;
    return u;
  }
  auto ns = ReadNumber(root + "/cpuacct" + rel + "/cpuacct.usage");
  auto mem = ReadNumber(root + "/memory" + rel + "/memory.usage_in_bytes");
  if (!ns || !mem) return std::nullopt;
  u.cpu_seconds = static_cast<double>(*ns) / 1e9;
  u.memory_bytes = *mem;
  return u;
}

void AddInstanceMetrics(api::MetricsRegistry& metrics, InstanceManager& manager,
                        std::string cgroup_root) {
  metrics.AddCollector([&manager, root = std::move(cgroup_root)](api::MetricsWriter& w) {
    std::map<std::string, int> by_state;
    for (auto s : runtime::kAllInstanceStates)
      by_state[InstanceStateName(s)] = 0;
    auto list = manager.List();
    for (const auto& r : list) ++by_state[InstanceStateName(r.state)];
    for (const auto& [state, n] : by_state)
      w.Gauge("vmi_instances", "Instances on this node by state", {{"state", state}}, n);
    for (const auto& r : list) {
      api::Labels labels{{"instance", r.spec.id}, {"name", r.spec.name}};
      w.Gauge("vmi_instance_memory_limit_bytes", "Memory limit of the instance", labels,
              static_cast<double>(r.spec.memory_bytes));
      if (r.state != InstanceState::kRunning) continue;
      auto u = ReadCgroupUsage(root, "/vmi/" + r.spec.id);
      if (!u) continue;
      w.Counter("vmi_instance_cpu_seconds_total", "CPU time used by the instance's cgroup",
                labels, u->cpu_seconds);
      w.Gauge("vmi_instance_memory_bytes", "Memory used by the instance's cgroup", labels,
              static_cast<double>(u->memory_bytes));
    }
    const auto& h = manager.host();
    w.Gauge("vmi_node_cpus", "CPUs of the host", {}, h.cpus);
    w.Gauge("vmi_node_memory_bytes", "Memory of the host", {}, static_cast<double>(h.memory_bytes));
  });
}

}  // namespace vmi::node
