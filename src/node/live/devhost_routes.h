// The live view's HTTP routes when every running instance has a device host
// (DeviceHosts): the same paths and answers as live_routes.h and
// audio_routes.h, served by asking the instance's device host.
//
//   GET  /api/v1/instances/{id}/stream      authorized by DeviceHostHandoff
//                                           (the server's handoff hook), then
//                                           the connection itself is handed to
//                                           the device host (SCM_RIGHTS),
//                                           which answers the upgrade
//   GET  /api/v1/instances/{id}/screenshot  image from the device host
//   POST /api/v1/instances/{id}/rotate, GET /api/v1/instances/{id}/vnc
//   GET/PUT /api/v1/instances/{id}/audio    settings kept here, applied there
//   GET /api/v1/audio/mix, /api/v1/audio/mix.wav: as audio_routes.h, mixed
//                                           from the device hosts' audio taps
//                                           (DeviceHostMixer)
//
// Each route asks `check` like live_routes.h; a refusal looks like an
// unknown instance.
// Threads: the stream route runs on the io thread and never waits for a
// device host being restarted (503 at once: the client retries); the
// others run on the worker pool.
#pragma once

#include "api/http/socket_bridge.h"

#include "api/http/router.h"
#include "api/http/server.h"
#include "node/api_routes.h"
#include "node/instance_manager.h"
#include "node/live/device_hosts.h"
#include "node/live/viewer_limits.h"

namespace vmi::node::live {

// The daemon server's handoff hook (api::ServerOptions::handoff) for the
// stream route: the access check ("stream"), then the socket goes to the
// instance's device host. Other routes are declined. `viewers` (may be
// null): the viewer caps, a ticket held until the device host's lease for
// the viewer hangs up (DeviceHosts::HoldWhileOpen).
std::function<Result<bool>(api::Request&, const api::Route&, api::HandedOffSocket&)>
DeviceHostHandoff(DeviceHosts& hosts, InstanceAccessCheck check, ViewerLimits* viewers = nullptr);

// With `vnc_bridges`, also GET /api/v1/instances/{id}/vnc/websocket: RFB
// over a WebSocket (noVNC's framing), bridged to the device host's VNC
// server, so clients that cannot reach the node's loopback get VNC too
// (`vmi vnc ID --listen PORT`); /vnc then names it as "websocket".
void RegisterDeviceHostRoutes(api::Router& router, InstanceManager& instances, DeviceHosts& hosts,
                              InstanceAccessCheck check = nullptr,
                              api::SocketBridges* vnc_bridges = nullptr);

}  // namespace vmi::node::live
