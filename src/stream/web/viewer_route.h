// The WebSocket route of the live view on the daemon's HTTP server:
// GET /api/v1/instances/{id}/stream upgrades to a ViewerSession of that
// instance's LiveView. Built only with the api subsystem (library
// vmi_webview_api).
//
// Authentication and authorisation run as the router's middleware before the
// handler; `lookup` may refuse too (its Error becomes the HTTP response).
//
// Ownership: each connection holds a shared_ptr to its LiveView (shared: an
// instance may be stopped while viewers are still connected; the LiveView
// goes away with the last of them) and the session; the api::WebSocket keeps
// both alive through its callbacks until it is closed.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "api/http/router.h"
#include "stream/web/live_view.h"

namespace vmi::web {

using LiveViewLookup = std::function<Result<std::shared_ptr<LiveView>>(const std::string& id)>;

api::WebSocketHandler ViewerWebSocketHandler(LiveViewLookup lookup);

// Registers the route: router.HandleWebSocket("/api/v1/instances/{id}/stream", ...).
void AddViewerRoute(api::Router& router, LiveViewLookup lookup);

}  // namespace vmi::web
