// InstanceRecord: everything the node remembers about one instance, as
// stored in the database and shown by `vmi inspect`.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "node/labels.h"
#include "runtime/core/instance_spec.h"
#include "runtime/core/instance_state.h"

namespace vmi::node {

// The states and their transitions belong to the runtime's Instance
// (runtime/core/instance_state.h), the only writer of a state; the record
// holds the last one it reported.
using runtime::InstanceState;
using runtime::InstanceStateName;
using runtime::ParseInstanceState;

struct InstanceRecord {
  runtime::InstanceSpec spec;
  runtime::InstanceSlot slot;
  InstanceState state = InstanceState::kCreated;
  // The last exit of the instance's init, e.g. "exited 0", "signaled 9";
  // empty if it never ran to an end.
  std::string last_exit;
  pid_t monitor_pid = 0;
  // Start time of the monitor (from /proc/<pid>/stat) so a reused pid is
  // never mistaken for it after a daemon restart.
  uint64_t monitor_start_ticks = 0;
  pid_t init_pid = 0;
  int64_t created_at = 0;  // unix seconds
  int64_t started_at = 0;
  int restart_count = 0;
  int64_t owner_id = 0;  // user who owns it (0: the node's local admin)
  // Random password of the instance's VNC server.
  std::string vnc_password;
  // Labels set at creation (node/labels.h); batches select by them.
  Labels labels;
};

nlohmann::json ToJson(const InstanceRecord& r);
Result<InstanceRecord> RecordFromJson(const nlohmann::json& j);

}  // namespace vmi::node
