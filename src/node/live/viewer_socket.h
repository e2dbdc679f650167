// The browser viewers' WebSocket: binds an api::WebSocket to a ViewerSession
// of an InstanceLive (stream/web's wire protocol).
//
// The WebSocket plumbing is viewer_route.h's (the transport and
// BindViewerSocket, shared with a bare LiveView's route); this one also
// registers the connection with its InstanceLive (InstanceLive::Connect, and
// Disconnect as the close hook), so that the viewers are closed when the
// instance stops and browser control is released in the InputRouter when the
// last viewer leaves.
//
// Ownership: the WebSocket's callbacks own the connection (transport,
// session and a reference to the InstanceLive) until on_close.
// Threads: runs on the HTTP server's io thread (Attach, and the callbacks).
#pragma once

#include <memory>

#include "api/http/websocket.h"
#include "node/live/instance_live.h"

namespace vmi::node::live {

// Makes `ws` a viewer of `live`: sets its callbacks. Call inside the route's
// WebSocketHandler; an error refuses the upgrade.
// `sound` false: the viewer gets no audio (ViewerLink::sound).
// `hold` (may be null; a viewer cap's ticket, a device host's lease) is
// released when the viewer goes.
Result<void> AttachViewer(std::shared_ptr<InstanceLive> live, std::shared_ptr<api::WebSocket> ws,
                          bool sound = true, std::shared_ptr<void> hold = nullptr);

}  // namespace vmi::node::live
