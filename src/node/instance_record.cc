#include "node/instance_record.h"

namespace vmi::node {

using nlohmann::json;

json ToJson(const InstanceRecord& r) {
  const auto& s = r.spec;
  return json{
      {"id", s.id},
      {"name", s.name},
      {"image", s.image},
      {"state", InstanceStateName(r.state)},
      {"cpus", s.cpus},
      {"memory", s.memory_bytes},
      {"pids_max", s.pids_max},
      {"disk", s.disk_bytes},
      {"bandwidth_mbit", s.bandwidth_mbit},
      {"open_files", s.open_files},
      {"width", s.width},
      {"height", s.height},
      {"dpi", s.dpi},
      {"network", s.network == runtime::NetworkMode::kNone ? "none" : "bridge"},
      {"restart", runtime::RestartPolicyName(s.restart)},
      {"slot", r.slot.index},
      {"uid_base", r.slot.uid_base},
      {"uid_count", r.slot.uid_count},
      {"ip", r.slot.ip},
      {"last_exit", r.last_exit},
      {"monitor_pid", r.monitor_pid},
      {"monitor_start_ticks", r.monitor_start_ticks},
      {"init_pid", r.init_pid},
      {"created_at", r.created_at},
      {"started_at", r.started_at},
      {"restart_count", r.restart_count},
      {"owner_id", r.owner_id},
      {"vnc_password", r.vnc_password},
      {"labels", r.labels},
  };
}

Result<InstanceRecord> RecordFromJson(const json& j) {
  try {
    InstanceRecord r;
    auto& s = r.spec;
    s.id = j.at("id").get<std::string>();
    s.name = j.at("name").get<std::string>();
    s.image = j.at("image").get<std::string>();
    r.state = VMI_TRY(ParseInstanceState(j.at("state").get<std::string>()));
    s.cpus = j.at("cpus").get<double>();
    s.memory_bytes = j.at("memory").get<int64_t>();
    s.pids_max = j.at("pids_max").get<int64_t>();
    // Records from before per-instance limits: no own disk, no shaping.
    s.disk_bytes = j.value("disk", int64_t{0});
    s.bandwidth_mbit = j.value("bandwidth_mbit", int64_t{0});
    s.open_files = j.value("open_files", int64_t{4096});
    s.width = j.at("width").get<int>();
    s.height = j.at("height").get<int>();
    s.dpi = j.at("dpi").get<int>();
    s.network = j.at("network") == "none" ? runtime::NetworkMode::kNone : runtime::NetworkMode::kBridge;
    s.restart = VMI_TRY(runtime::ParseRestartPolicy(j.at("restart").get<std::string>()));
    r.slot.index = j.at("slot").get<int>();
    r.slot.uid_base = j.at("uid_base").get<uint32_t>();
    r.slot.uid_count = j.at("uid_count").get<uint32_t>();
    r.slot.ip = j.at("ip").get<std::string>();
    r.last_exit = j.value("last_exit", "");
    r.monitor_pid = j.value("monitor_pid", 0);
    r.monitor_start_ticks = j.value("monitor_start_ticks", uint64_t{0});
    r.init_pid = j.value("init_pid", 0);
    r.created_at = j.value("created_at", int64_t{0});
    r.started_at = j.value("started_at", int64_t{0});
    r.restart_count = j.value("restart_count", 0);
    r.owner_id = j.value("owner_id", int64_t{0});
    r.vnc_password = j.value("vnc_password", "");
    // Records from before labels have none.
    if (j.contains("labels")) r.labels = VMI_TRY(LabelsFromJson(j["labels"]));
    return r;
  } catch (const json::exception& e) {
    return Error(ErrorCode::kInternal, std::string("corrupt instance record: ") + e.what());
  }
}

}  // namespace vmi::node
