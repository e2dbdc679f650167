#include "node/live/viewer_route.h"

#include "api/http/websocket.h"

namespace vmi::node::live {
namespace {

class ApiTransport : public ViewerTransport {
 public:
  explicit ApiTransport(std::weak_ptr<api::WebSocket> ws) : ws_(std::move(ws)) {}
  bool Send(std::string m) override {
    auto ws = ws_.lock();
    return ws && ws->SendBinary(std::move(m));
  }
  bool SendShared(std::shared_ptr<const std::string> m) override {
    auto ws = ws_.lock();
    return ws && ws->SendBinaryShared(std::move(m));
  }
  size_t queued_bytes() const override {
    auto ws = ws_.lock();
    return ws ? ws->queued_bytes() : 0;
  }
  void Close(uint16_t code, std::string reason) override {
    if (auto ws = ws_.lock()) ws->Close(code, std::move(reason));
  }

 private:
  std::weak_ptr<api::WebSocket> ws_;
};

// What both callbacks share.
struct Binding {
  std::shared_ptr<void> owner;
  ViewerSession* session;
  std::function<void()> on_closed;
  bool closed = false;  // io thread only
};

// A bare LiveView's viewer.
struct Connection {
  std::shared_ptr<LiveView> view;
  std::unique_ptr<ViewerTransport> transport;
  std::shared_ptr<ViewerSession> session;  // released first: it borrows the view
};

}  // namespace

std::unique_ptr<ViewerTransport> MakeWebSocketTransport(std::weak_ptr<api::WebSocket> ws) {
  return std::make_unique<ApiTransport>(std::move(ws));
}

void BindViewerSocket(api::WebSocket& ws, std::shared_ptr<void> owner, ViewerSession* session,
                      std::function<void()> on_closed) {
  auto b = std::make_shared<Binding>();
  b->owner = std::move(owner);
  b->session = session;
  b->on_closed = std::move(on_closed);
  ws.SetOnMessage([b](std::string_view data, bool binary) {
    if (b->closed) return;
    if (!binary) {
      b->session->Reject("text messages are not part of the protocol");
      return;
    }
    b->session->OnMessage({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
  });
  ws.SetOnClose([b](uint16_t, std::string_view) {
    if (b->closed) return;
    b->closed = true;
    b->session->OnClose();
    if (b->on_closed) b->on_closed();
  });
}

api::WebSocketHandler ViewerWebSocketHandler(LiveViewLookup lookup) {
  return [lookup = std::move(lookup)](api::Request& req,
                                      std::shared_ptr<api::WebSocket> ws) -> Result<void> {
    auto it = req.params.find("id");
    if (it == req.params.end()) return Error(ErrorCode::kInvalidArgument, "missing instance id");
    auto view = VMI_TRY(lookup(it->second));
    auto conn = std::make_shared<Connection>();
    conn->view = std::move(view);
    conn->transport = MakeWebSocketTransport(ws);
    conn->session = conn->view->Connect(conn->transport.get());
    ViewerSession* session = conn->session.get();
    BindViewerSocket(*ws, std::move(conn), session);
    return Ok();
  };
}

void AddViewerRoute(api::Router& router, LiveViewLookup lookup) {
  router.HandleWebSocket("/api/v1/instances/{id}/stream", ViewerWebSocketHandler(std::move(lookup)));
}

}  // namespace vmi::node::live
