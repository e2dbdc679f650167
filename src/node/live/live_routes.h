// The live view's HTTP routes on the daemon's Router:
//
//   GET  /api/v1/instances/{id}/stream      WebSocket: the viewer protocol of
//                                           stream/web (several viewers; one
//                                           controls at a time)
//   GET  /api/v1/instances/{id}/screenshot  image/png of the current screen
//   POST /api/v1/instances/{id}/rotate      {"orientation":"portrait"|"landscape"}
//                                           -> {"orientation","width","height"}
//   GET  /api/v1/instances/{id}/vnc         {"host","port","password"}
//
// Each route asks `check` (the same hook as the instance routes, with the
// actions "stream", "screenshot", "rotate" and "vnc") before acting; a
// refusal with kPermissionDenied looks like an unknown instance. Null allows
// everything (a single-user node reached through its local socket).
//
// Threads: the WebSocket upgrade runs on the io thread and never waits for
// an instance operation (LiveService::Find); the others run on the worker
// pool.
#pragma once

#include "api/http/router.h"
#include "node/api_routes.h"
#include "node/instance_manager.h"
#include "node/live/live_service.h"
#include "node/live/viewer_limits.h"

namespace vmi::node::live {

// `viewers` (null: no caps) bounds the stream viewers per instance and user.
void RegisterLiveRoutes(api::Router& router, InstanceManager& instances, LiveService& live,
                        InstanceAccessCheck check = nullptr, ViewerLimits* viewers = nullptr);

// Parses the rotate body.
Result<Orientation> ParseRotateBody(const std::string& body);

}  // namespace vmi::node::live
