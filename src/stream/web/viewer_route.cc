#include "stream/web/viewer_route.h"

#include "api/http/websocket.h"

namespace vmi::web {
namespace {

// ViewerTransport over an api::WebSocket. Holds it weakly: the server owns
// the connection; a send after it closed is dropped.
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

struct Connection {
  std::shared_ptr<LiveView> view;
  std::unique_ptr<ApiTransport> transport;
  std::shared_ptr<ViewerSession> session;
};

}  // namespace

api::WebSocketHandler ViewerWebSocketHandler(LiveViewLookup lookup) {
  return [lookup = std::move(lookup)](api::Request& req,
                                      std::shared_ptr<api::WebSocket> ws) -> Result<void> {
    auto it = req.params.find("id");
    if (it == req.params.end()) return Error(ErrorCode::kInvalidArgument, "missing instance id");
    auto view = VMI_TRY(lookup(it->second));
    auto conn = std::make_shared<Connection>();
    conn->view = std::move(view);
    conn->transport = std::make_unique<ApiTransport>(ws);
    conn->session = conn->view->Connect(conn->transport.get());
    ws->SetOnMessage([conn](std::string_view data, bool binary) {
      if (!binary) {
        conn->session->Reject("text messages are not part of the protocol");
        return;
      }
      conn->session->OnMessage(
          {reinterpret_cast<const uint8_t*>(data.data()), data.size()});
    });
    ws->SetOnClose([conn](uint16_t, std::string_view) { conn->session->OnClose(); });
    return Ok();
  };
}

void AddViewerRoute(api::Router& router, LiveViewLookup lookup) {
  router.HandleWebSocket("/api/v1/instances/{id}/stream", ViewerWebSocketHandler(std::move(lookup)));
}

}  // namespace vmi::web
