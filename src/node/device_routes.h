// The device control routes of an instance (docs/devices.md):
//
//   GET   /api/v1/instances/{id}/devices            every device's state
//   GET   /api/v1/instances/{id}/devices/battery    {"level", "status", "source"}
//   PATCH /api/v1/instances/{id}/devices/battery    any of them; answers the new state
//   GET   /api/v1/instances/{id}/devices/network    {"profile", "bandwidth_kbit", "delay_ms",
//                                                    "jitter_ms", "loss_percent", "offline"}
//   PATCH /api/v1/instances/{id}/devices/network    any of them, or a profile
//
// Reading is the instance action "inspect", changing is "control"; every
// change (and every refused one) is in the audit log as
// "instance.device.<device>".
#pragma once

#include "api/http/router.h"
#include "node/api_routes.h"
#include "node/device_controls.h"

namespace vmi::node {

void RegisterDeviceRoutes(api::Router& router, InstanceManager& m, DeviceControls& devices,
                          InstanceAccessCheck check, InstanceAudit audit);

}  // namespace vmi::node
