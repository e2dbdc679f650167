// The device control routes of an instance (docs/devices.md):
//
//   GET   /api/v1/instances/{id}/devices            every device's state
//   GET   /api/v1/instances/{id}/devices/battery    {"level", "status", "source"}
//   PATCH /api/v1/instances/{id}/devices/battery    any of them; answers the new state
//   GET   /api/v1/instances/{id}/devices/network    {"profile", "bandwidth_kbit", "delay_ms",
//                                                    "jitter_ms", "loss_percent", "offline"}
//   PATCH /api/v1/instances/{id}/devices/network    any of them, or a profile
//   GET   /api/v1/instances/{id}/devices/location   {"fix", "latitude", "longitude", "altitude",
//                                                    "accuracy", "speed", "heading", "route"?}
//   PATCH /api/v1/instances/{id}/devices/location   a position, or {"route": {"gpx", "speed",
//                                                    "loop"}}, or {"route": null}
//   GET   /api/v1/instances/{id}/devices/sensors    {"accelerometer", "gyroscope", "magnetometer",
//                                                    "light", "proximity", "orientation", ...}
//   PATCH /api/v1/instances/{id}/devices/sensors    any of them, or an "orientation"
//   GET   /api/v1/instances/{id}/devices/clipboard  {"text"} (action "exec")
//   PUT   /api/v1/instances/{id}/devices/clipboard  {"text"}; answers {"bytes"}
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
