// Server: the HTTP/1.1 + WebSocket server of the daemon, on Boost.Beast.
//
// Listens on a Unix socket and/or TCP (optionally TLS), keeps connections
// alive, reads each request header first so the route's body limit applies
// before the body is read, and dispatches to a Router.
//
// Threads:
//  - `io_threads` io threads (default 1) run every network operation, the
//    middleware and non-blocking handlers. Each connection is bound to a
//    strand, so one connection's callbacks never run concurrently.
//  - `worker_threads` (default 4) run handlers of routes marked `blocking`
//    and anything given to RunBlocking(). Their results are handed back to the
//    connection's strand.
// Start() returns once the sockets listen; Stop() (or the destructor) closes
// the listeners and every connection (WebSocket/stream close callbacks run),
// then joins all threads. Stop() must not be called from a server thread.
//
// The router is borrowed and must outlive the server.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/http/connection_limiter.h"
#include "api/http/request.h"
#include "api/http/router.h"
#include "base/result.h"
#include "base/unique_fd.h"

namespace vmi::api {

// A connection the server gives up (ServerOptions::handoff): the socket (a
// duplicate; the server closes its own) and the bytes it had read, the
// request head re-serialized followed by anything the client sent after it.
// Whoever receives both answers the upgrade (Server::Adopt does).
struct HandedOffSocket {
  UniqueFd fd;
  std::string head;
};

struct ServerOptions {
  // Unix socket path; empty: none. An existing socket file is replaced.
  std::string unix_path;
  int unix_mode = 0660;
  // TCP listener; tcp_port < 0: none; 0: an ephemeral port (see tcp_port()).
  std::string tcp_host = "127.0.0.1";
  int tcp_port = -1;
  // PEM files; both set: the TCP listener speaks TLS only.
  std::string tls_cert_file;
  std::string tls_key_file;

  // Called for every WebSocket upgrade after the middleware, before the
  // route's handler: returning true means the socket was taken (a device
  // host answers the upgrade; the server sends nothing more and forgets the
  // connection); false lets the route's handler run; an Error is answered
  // as usual. A plain connection (TCP, Unix socket) is handed off itself;
  // the session keys of a TLS connection cannot follow it, so the hook gets
  // one end of a Unix socket pair instead and the server relays the
  // decrypted bytes between the TLS connection and the other end
  // (tls_relay.h) for as long as both stay open.
  std::function<Result<bool>(Request& req, const Route& route, HandedOffSocket& socket)> handoff;

  // No listener at all: the server serves only connections given to it with
  // Adopt() (a process that receives sockets another server handed off).
  bool adopt_only = false;

  // Connection caps (connection_limiter.h): over either, a new connection
  // gets "503" and is closed at once. Per client: a TCP peer address, or a
  // Unix-socket peer uid. 0: no cap.
  int max_connections = 2048;
  int max_connections_per_client = 128;
  // A connection that has not sent an authenticated request yet must send
  // each request header within this; afterwards idle_timeout applies.
  std::chrono::seconds header_timeout{10};

  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1 << 20;  // per-route override in RouteOptions
  std::chrono::seconds idle_timeout{60};  // keep-alive and request read timeout
  int io_threads = 1;
  int worker_threads = 4;

  // WebSocket limits: largest message read, and the send queue size at which
  // a slow reader is disconnected.
  size_t ws_max_message_bytes = 1 << 20;
  size_t ws_max_queued_bytes = 64 << 20;

  // Called on the io thread as each response is sent (not for
  // WebSocket/stream routes, which report when their head is sent). `route`
  // is null when nothing matched. For metrics and access logs; keep it cheap.
  std::function<void(const Request& req, const Route* route, int status,
                     std::chrono::nanoseconds latency)>
      on_response;
};

class Server {
 public:
  static Result<std::unique_ptr<Server>> Start(ServerOptions options, const Router& router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void Stop();

  // The bound TCP port (useful with tcp_port = 0); 0 without TCP.
  uint16_t tcp_port() const;

  // Serves a connection accepted elsewhere (HandedOffSocket, router.h): a
  // connected TCP or Unix stream socket and the bytes already read from it,
  // which are parsed first. `attachment` becomes the requests'
  // PeerInfo::attachment and lives as long as the connection (or the
  // WebSocket it becomes). Thread-safe.
  Result<void> Adopt(UniqueFd fd, std::string head, std::shared_ptr<void> attachment = nullptr);

  // Runs fn on the worker pool. Thread-safe. For handlers that want to block
  // from an async route.
  void RunBlocking(std::function<void()> fn);

  // Open connections and refusals, for /metrics. Thread-safe.
  ConnectionStats connection_stats() const;

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vmi::api
