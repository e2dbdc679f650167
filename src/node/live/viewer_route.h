// The WebSocket route of the live view on the daemon's HTTP server:
// GET /api/v1/instances/{id}/stream upgrades to a ViewerSession of that
// instance's LiveView. It binds stream/web to the HTTP layer, which
// stream/web itself does not depend on.
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
#include "stream/web/viewer_transport.h"

namespace vmi::node::live {

using web::LiveView;
using web::ViewerSession;
using web::ViewerTransport;

using LiveViewLookup = std::function<Result<std::shared_ptr<LiveView>>(const std::string& id)>;

// A ViewerTransport over an api::WebSocket. Holds it weakly: the server owns
// the connection; a send after it closed is dropped.
std::unique_ptr<ViewerTransport> MakeWebSocketTransport(std::weak_ptr<api::WebSocket> ws);

// Makes `ws` feed `session`: binary messages go to OnMessage, a text message
// is rejected (closes the viewer with a reason), and when the socket closes,
// session->OnClose() runs once, then `on_closed` (a host's registration hook:
// the daemon uses it to unregister the viewer from its instance). The
// callbacks own `owner`, which must own the session, its transport and
// whatever the session borrows, until the socket is gone.
// Threads: the callbacks run on the HTTP server's io thread.
void BindViewerSocket(api::WebSocket& ws, std::shared_ptr<void> owner, ViewerSession* session,
                      std::function<void()> on_closed = nullptr);

api::WebSocketHandler ViewerWebSocketHandler(LiveViewLookup lookup);

// Registers the route: router.HandleWebSocket("/api/v1/instances/{id}/stream", ...).
void AddViewerRoute(api::Router& router, LiveViewLookup lookup);

}  // namespace vmi::node::live
