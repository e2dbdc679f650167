// SocketBridges: joins accepted WebSockets to connected stream sockets, byte
// for byte. Each binary (or text) message a client sends is written to the
// socket; whatever the socket yields is sent to the client as binary
// messages. It is how RFB travels over a WebSocket (noVNC's framing: the
// messages carry the raw RFB stream, cut anywhere), so that a VNC server
// listening where the client cannot reach it (inside a Pod) is still
// reachable through the HTTP front.
//
//   client --WebSocket messages--> [bridge] --bytes--> socket (VNC server)
//   client <--binary messages----- [bridge] <--bytes-- socket
//
// Back-pressure: while the WebSocket has more than 1 MiB queued, the socket
// is not read (so the server's own send blocks); a client that sends more
// than 1 MiB the socket has not taken is closed (1008).
//
// Ending: the socket closing closes the WebSocket (1000) and the WebSocket
// closing shuts the socket down; either way the bridge's thread ends.
//
// Threads: one thread per bridge ("vmi-bridge"): it reads the socket and
// writes what the client sent. The WebSocket's callbacks (io thread) only
// queue and wake it. Thread-safe; ~SocketBridges ends and joins every bridge.
#pragma once

#include <functional>
#include <memory>

#include "api/http/websocket.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "base/worker_threads.h"

namespace vmi::api {

class SocketBridges {
 public:
  SocketBridges() = default;
  // Ends and joins every bridge (through its WorkerThreads).
  ~SocketBridges() = default;
  SocketBridges(const SocketBridges&) = delete;
  SocketBridges& operator=(const SocketBridges&) = delete;

  // Joins `ws` to the socket `connect` returns until either ends. Call from
  // a WebSocketHandler (before it returns: the callbacks are set here).
  // `connect` runs on the bridge's thread, so the handler never blocks the
  // io thread; if it fails, the WebSocket is closed with 1011 and the
  // error's message. What the client sends meanwhile is kept for the socket.
  void Bridge(std::shared_ptr<WebSocket> ws, std::function<Result<UniqueFd>()> connect);
  int active() const { return workers_.running(); }

  struct Link;

 private:
  WorkerThreads workers_;
};

}  // namespace vmi::api
