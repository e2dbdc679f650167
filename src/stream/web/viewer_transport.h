// ViewerTransport: what a ViewerSession needs from its connection (a
// WebSocket carrying binary messages). Keeps the session independent of the
// HTTP server; api_websocket_transport.h adapts api::WebSocket.
//
// Threads: every method is thread-safe (the session calls them from the
// transport's thread and from the video thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace vmi::web {

class ViewerTransport {
 public:
  virtual ~ViewerTransport() = default;
  // Queues a binary message; false if the connection is closed.
  virtual bool Send(std::string message) = 0;
  // Queues a buffer shared with other connections (one encoded frame sent to
  // many viewers).
  virtual bool SendShared(std::shared_ptr<const std::string> message) = 0;
  // Bytes queued and not yet written to the socket.
  virtual size_t queued_bytes() const = 0;
  // Closes after the queued messages, with a WebSocket close code and a
  // reason of at most 123 bytes.
  virtual void Close(uint16_t code, std::string reason) = 0;
};

}  // namespace vmi::web
