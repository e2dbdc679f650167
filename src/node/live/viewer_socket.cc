#include "node/live/viewer_socket.h"

#include "node/live/viewer_route.h"

namespace vmi::node::live {
namespace {

// What the callbacks own. Members go in reverse order: the link (and its
// session) is released before the InstanceLive whose LiveView the session
// borrows.
struct Connection {
  std::shared_ptr<InstanceLive> live;
  std::shared_ptr<ViewerLink> link;
};

}  // namespace

Result<void> AttachViewer(std::shared_ptr<InstanceLive> live, std::shared_ptr<api::WebSocket> ws,
                          bool sound, std::shared_ptr<void> hold) {
  auto conn = std::make_shared<Connection>();
  conn->live = std::move(live);
  conn->link = std::make_shared<ViewerLink>();
  conn->link->sound = sound;
  conn->link->transport = MakeWebSocketTransport(ws);
  VMI_CHECK_OK(conn->live->Connect(conn->link), "viewer");
  web::ViewerSession* session = conn->link->session.get();
  InstanceLive* instance = conn->live.get();
  ViewerLink* link = conn->link.get();
  // The registration hook: the instance forgets the viewer when it closes.
  BindViewerSocket(*ws, std::move(conn), session, [instance, link, hold]() mutable {
    instance->Disconnect(link);
    hold.reset();
  });
  return Ok();
}

}  // namespace vmi::node::live
