// WebSocket: one accepted WebSocket connection, as a route handler sees it.
//
// Ownership: shared. The connection keeps itself alive while open; a
// subsystem that pushes to it (a stream fan-out, an event feed) holds a
// shared_ptr too, because both the network side and the producer decide when
// they are done with it. Drop it after on_close.
//
// Threads: Send*, Close and the accessors are thread-safe (they post to the
// connection's io strand). on_message and on_close run on the io thread; keep
// them short (hand heavy work to your own thread). Set the callbacks inside
// the route's WebSocketHandler, before it returns: nothing is read before.
//
// Back-pressure: sends are queued without limit up to the server's hard cap
// (ServerOptions::ws_max_queued_bytes), after which the connection is closed
// with 1008 "send queue overflow". A producer that can drop data (video
// frames) should check queued_bytes() first and skip or downgrade for a slow
// reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "api/http/request.h"

namespace vmi::api {

class WebSocket {
 public:
  using MessageCallback = std::function<void(std::string_view data, bool binary)>;
  using CloseCallback = std::function<void(uint16_t code, std::string_view reason)>;

  virtual ~WebSocket() = default;

  // The upgrade request (path params, auth context, peer).
  virtual const Request& request() const = 0;

  void SetOnMessage(MessageCallback cb) { on_message_ = std::move(cb); }
  // Called once, when the connection is gone (either side closed, error, or
  // server shutdown).
  void SetOnClose(CloseCallback cb) { on_close_ = std::move(cb); }

  // Queue a message. Returns false when the connection is closed (the data
  // is dropped).
  virtual bool SendText(std::string data) = 0;
  virtual bool SendBinary(std::string data) = 0;
  // One buffer shared by many connections (encode once, fan out).
  virtual bool SendBinaryShared(std::shared_ptr<const std::string> data) = 0;
  // Sends a close frame with code and reason (reason <= 123 bytes) after the
  // queued messages.
  virtual void Close(uint16_t code = 1000, std::string reason = "") = 0;

  virtual size_t queued_bytes() const = 0;
  virtual size_t queued_messages() const = 0;
  virtual bool is_open() const = 0;

 protected:
  MessageCallback on_message_;
  CloseCallback on_close_;
};

}  // namespace vmi::api
