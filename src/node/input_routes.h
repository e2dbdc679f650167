// Input scripts on instances (docs/devices.md, "Input scripts"):
//
//   POST /api/v1/instances/{id}/input   {"steps": [...], "timeout_ms": N}
//     200 {"ok": bool, "ms": N, "steps": [{"step", "op", "ok", "ms", "png"?}],
//          "error": {"step", "code", "message"}?}
//     (a script that fails at a step is still a 200: the answer says where)
//   and the batch action "input" (batch_routes.h), the same body per instance.
//
// The engine is devices/input/input_script.h; here it drives the instance's
// device host: input as "input" requests (the script is one viewer of the
// instance's input router, which takes control for the script's length),
// the screen as "screenshot" requests, decoded for the waits. Access:
// "control", audited as instance.input.
// Threads: the route runs on the server's blocking pool for the script's
// length (at most its timeout_ms, 60 s unless asked, 600 s at most).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>

#include "api/http/router.h"
#include "node/api_routes.h"
#include "node/instance_manager.h"

namespace vmi::node {

namespace live {
class DeviceHosts;
}

// How the batch route runs scripts: `check` refuses a bad script before any
// instance is touched; `run` runs a checked one on one instance.
struct InputScripts {
  std::function<Result<void>(const nlohmann::json& script)> check;
  std::function<Result<nlohmann::json>(const InstanceRecord& r, const nlohmann::json& script)> run;
};

// Scripts through the instances' device hosts.
InputScripts DeviceHostInputScripts(live::DeviceHosts& hosts);

void RegisterInputRoutes(api::Router& router, InstanceManager& m, InputScripts scripts,
                         InstanceAccessCheck check, InstanceAudit audit);

}  // namespace vmi::node
