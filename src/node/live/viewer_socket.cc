#include "node/live/viewer_socket.h"

namespace vmi::node::live {
namespace {

// ViewerTransport over an api::WebSocket, held weakly: the server owns the
// connection; a send after it closed is dropped.
class SocketTransport : public web::ViewerTransport {
 public:
  explicit SocketTransport(std::weak_ptr<api::WebSocket> ws) : ws_(std::move(ws)) {}
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

// What the callbacks hold. The link (and its session) is released before
// the InstanceLive whose LiveView the session borrows.
struct Connection {
  std::shared_ptr<InstanceLive> live;
  std::shared_ptr<ViewerLink> link;
  bool closed = false;

  void Close() {
    if (closed) return;
    closed = true;
    link->session->OnClose();
    live->Disconnect(link.get());
  }
};

}  // namespace

Result<void> AttachViewer(std::shared_ptr<InstanceLive> live, std::shared_ptr<api::WebSocket> ws) {
  auto conn = std::make_shared<Connection>();
  conn->live = std::move(live);
  conn->link = std::make_shared<ViewerLink>();
  conn->link->transport = std::make_unique<SocketTransport>(ws);
  VMI_CHECK_OK(conn->live->Connect(conn->link), "viewer");
  ws->SetOnMessage([conn](std::string_view data, bool binary) {
    if (conn->closed) return;
    if (!binary) {
      conn->link->session->Reject("text messages are not part of the protocol");
      return;
    }
    conn->link->session->OnMessage({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
  });
  ws->SetOnClose([conn](uint16_t, std::string_view) { conn->Close(); });
  return Ok();
}

}  // namespace vmi::node::live
