// HttpClient: the CLI's client of the daemon's HTTP API (Boost.Beast).
//
//   auto c = VMI_TRY(HttpClient::Create({.server = "unix:///run/vmi/api.sock"}));
//   Json list = VMI_TRY(c->Call("GET", "/api/v1/instances"));
//
// Servers: "unix:///path/to/socket", "http://host:port", "https://host:port"
// (a bare absolute path means a Unix socket). The connection is kept alive
// between calls and reopened once if the server closed it while idle.
//
// Threads: one object per thread; calls block the caller (run with a
// private io_context). Not for use inside the server's handlers.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "api/http/request.h"
#include "api/http/response.h"
#include "base/result.h"
#include "base/unique_fd.h"

namespace vmi::api {

struct ClientOptions {
  std::string server;
  std::string token;    // sent as "Authorization: Bearer <token>" when set
  std::string ca_file;  // PEM bundle to verify https servers; empty: system store
  bool insecure = false;  // https without verification (self-signed dev certs)
  std::chrono::seconds timeout{120};  // per request; streams: per read
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

class HttpClient {
 public:
  static Result<std::unique_ptr<HttpClient>> Create(ClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // One request; any status is a successful Result (transport failures are
  // errors). `target` is path and query.
  Result<ClientResponse> Send(std::string_view method, std::string_view target,
                              std::string body = {},
                              std::string_view content_type = "application/json",
                              const Headers& extra = {});

  // JSON call: a 2xx body is parsed (204/empty: null); any other status
  // becomes the Error the server described ({"error":{"code","message"}}),
  // with the matching ErrorCode.
  Result<Json> Call(std::string_view method, std::string_view target, const Json* body = nullptr);

  // Streams a response body (SSE, logs -f): `on_data` gets each piece as it
  // arrives and returns false to stop early. Returns the status; a non-2xx
  // status is returned as an Error as in Call.
  Result<int> Stream(std::string_view method, std::string_view target,
                     const std::function<bool(std::string_view)>& on_data);

  // Sends the file at `path` as the request body (application/octet-
  // stream), in pieces, calling `progress(sent, total)` after each; any
  // status is a successful Result, as with Send.
  Result<ClientResponse> Upload(std::string_view method, std::string_view target,
                                const std::string& path,
                                const std::function<void(uint64_t, uint64_t)>& progress = {},
                                const Headers& extra = {});

  // Opens a WebSocket at `target` on a connection of its own and joins it
  // to `local` (a connected stream socket) byte for byte: what `local`
  // yields goes out as binary messages, every message received is written
  // to `local` (RFB over WebSocket, noVNC's framing). Blocks until either
  // side closes; a refused upgrade is an Error with the server's status.
  Result<void> Tunnel(std::string_view target, UniqueFd local);

  struct Impl;

 private:
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Turns a non-2xx response into an Error (code from the JSON body when
// present, else from the status).
Error ErrorFromResponse(const ClientResponse& r);

// Incremental Server-Sent Events parser for the client side: feed it bytes,
// it calls back once per complete event.
class SseParser {
 public:
  struct Event {
    std::string event;  // "message" when the server gave none
    std::string data;   // data lines joined by "\n"
    std::string id;
  };
  explicit SseParser(std::function<void(const Event&)> on_event) : on_event_(std::move(on_event)) {}
  void Feed(std::string_view bytes);

 private:
  void Line(std::string_view line);
  std::function<void(const Event&)> on_event_;
  std::string buf_;
  Event cur_;
  bool has_data_ = false;
};

}  // namespace vmi::api
