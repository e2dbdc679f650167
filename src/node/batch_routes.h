// One operation on every instance a label selector picks, with a result
// per instance (docs/devices.md, "Labels and batches"):
//
//   POST /api/v1/batch
//     {"selector": "team=qa",
//      "action": "start"|"stop"|"restart"|"delete"|"exec"|"battery"|"network"|"input",
//      "force": true,                                  (delete: stop running ones first)
//      "exec": {"argv": [...], "timeout_ms": N, "max_output": N},   (exec)
//      "battery": {...}, "network": {...},             (the device patches)
//      "input": {"steps": [...], "timeout_ms": N}}      (an input script, input_routes.h)
//   200 {"selector", "action", "matched": N, "succeeded": N, "failed": N,
//        "results": [{"id", "name", "ok": true|false,
//                     "error": {"code", "message"}        (when the operation failed)
//                     "instance": {...}                    (start, stop, restart)
//                     "exit_code", "stdout", "stderr", ... (exec; ok means exit code 0)
//                     "battery"/"network": {...}           (the device's new state)
//                     "script": {...}}]}                   (input: the script's answer;
//                                                          ok means every step ran)
//
// The instances matched are those the caller may list; each is then
// checked and audited as its single route would be ("start", "exec",
// "control", ...), so one refused, failing or stopped instance fails alone
// and the others go on. Up to 8 operations run at once; results come in
// the order of the instances' names. An exec's output is kept to 64 KiB
// per stream and instance unless max_output asks for more (at most 1 MiB).
//
// Threads: the route runs on the server's blocking pool and starts at most
// 8 worker threads of its own, joined before it answers.
#pragma once

#include "api/http/router.h"
#include "node/api_routes.h"
#include "node/device_controls.h"
#include "node/input_routes.h"

namespace vmi::node {

// `devices` may be null (no device actions then), as may `input` (no input scripts).
void RegisterBatchRoutes(api::Router& router, InstanceManager& m, DeviceControls* devices,
                         InstanceAccessCheck check, InstanceAudit audit,
                         const InputScripts* input = nullptr);

}  // namespace vmi::node
