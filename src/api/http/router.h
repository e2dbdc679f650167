// Router: maps (method, path pattern) to handlers.
//
//   router.Handle("POST", "/api/v1/instances/{id}/start", StartInstance,
//                 {.blocking = true});
//
// Patterns are literal segments and `{name}` parameters, each matching one
// non-empty path segment (percent-decoded into Request::params). A last
// segment `{name*}` matches the rest of the path (possibly empty). A literal
// segment wins over a parameter at the same position.
//
// Kinds of routes:
//  - Handle: a synchronous handler. It runs on the io thread unless
//    RouteOptions::blocking, in which case it runs on the server's worker pool
//    (anything that may take more than ~1 ms: container operations, disk,
//    database writes) and the response is sent when it returns.
//  - HandleAsync: the handler gets a Responder to call later from any thread.
//  - HandleStream: a chunked response written over time (SSE, logs -f).
//  - HandleWebSocket: a GET that upgrades to WebSocket.
//
// Middleware (Use) runs before every handler, on the thread the handler runs
// on, in the order added; it fills Request::auth and may refuse the request by
// returning an Error (sent as the JSON error response).
//
// Threads: build the router completely before Server::Start; afterwards it is
// read concurrently and must not change. The server borrows it: it must
// outlive the server.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/http/request.h"
#include "api/http/response.h"
#include "api/http/response_stream.h"
#include "api/http/websocket.h"
#include "base/result.h"

namespace vmi::api {

struct RouteOptions {
  // Run the handler (and middleware) on the worker pool, not the io thread.
  bool blocking = false;
  // Largest accepted body; 0 means the server's default
  // (ServerOptions::max_body_bytes). Larger bodies get 413.
  size_t max_body_bytes = 0;
  // Anonymous requests are allowed (login, openapi.json, static files). The
  // auth middleware reads this; the router itself does not.
  bool public_route = false;
  // Uploads: the body is written to a new file in this directory as it
  // arrives (never held in memory) and the handler gets its path in
  // Request::body_file (the handler owns the file and removes it). The
  // middleware (authentication) runs before any of the body is read, so a
  // refused caller cannot fill the disk. Needs `blocking`.
  std::string spool_dir;
};

enum class RouteKind { kHandler, kAsync, kStream, kWebSocket, kFallback };

// Called exactly once with the response. Copyable (shared state); thread-safe.
// If every copy is destroyed without a call, the client gets a 500.
class Responder {
 public:
  using SendFn = std::function<void(Result<Response>)>;
  explicit Responder(SendFn send);
  void operator()(Result<Response> response) const;

 private:
  struct State;
  std::shared_ptr<State> state_;  // shared: copies may travel to other threads
};

using Handler = std::function<Result<Response>(Request&)>;
using AsyncHandler = std::function<void(Request&, Responder)>;
// Returns the head of the response (status and headers; a non-empty body is
// sent as the first chunk) or an Error (then nothing is streamed). Keep the
// stream to write to it later.
using StreamHandler = std::function<Result<Response>(Request&, std::shared_ptr<ResponseStream>)>;
// Called before the upgrade is accepted: set the callbacks on the socket and
// keep it, or return an Error to refuse the upgrade with that HTTP error.
using WebSocketHandler = std::function<Result<void>(Request&, std::shared_ptr<WebSocket>)>;

struct Route {
  std::string method;   // "GET", ...
  std::string pattern;  // "/api/v1/instances/{id}"
  RouteKind kind = RouteKind::kHandler;
  RouteOptions options;
  Handler handler;
  AsyncHandler async_handler;
  StreamHandler stream_handler;
  WebSocketHandler ws_handler;

  // Parsed pattern.
  struct Segment {
    std::string text;  // literal text or parameter name
    bool param = false;
    bool rest = false;  // {name*}
  };
  std::vector<Segment> segments;
};

using Middleware = std::function<Result<void>(Request&, const Route&)>;

class Router {
 public:
  Router() = default;
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Adding a malformed pattern or a duplicate (method, pattern) is a
  // programming error: it is logged and aborts.
  void Handle(std::string method, std::string pattern, Handler h, RouteOptions opts = {});
  void HandleAsync(std::string method, std::string pattern, AsyncHandler h,
                   RouteOptions opts = {});
  void HandleStream(std::string method, std::string pattern, StreamHandler h,
                    RouteOptions opts = {});
  void HandleWebSocket(std::string pattern, WebSocketHandler h, RouteOptions opts = {});
  // Handles GET/HEAD requests that match no route (static files). Without a
  // fallback those get a 404 JSON error.
  void SetFallback(Handler h, RouteOptions opts = {});
  void Use(Middleware m) { middleware_.push_back(std::move(m)); }

  struct Match {
    const Route* route = nullptr;  // null: no match
    std::map<std::string, std::string> params;
    // No route for this method, but one for another: 405.
    bool method_not_allowed = false;
    std::string allow;  // "GET, POST" when method_not_allowed
  };
  // `raw_path` is the path as received (not yet percent-decoded). HEAD finds
  // GET routes.
  Match Find(std::string_view method, std::string_view raw_path) const;

  // Runs the middleware chain; stops at the first error.
  Result<void> RunMiddleware(Request& req, const Route& route) const;

  // Every registered route, in registration order (fallback excluded).
  std::vector<const Route*> Routes() const;
  const Route* fallback() const { return fallback_.get(); }

 private:
  Route& Add(std::string method, std::string pattern, RouteKind kind, RouteOptions opts);

  std::vector<std::unique_ptr<Route>> routes_;
  std::unique_ptr<Route> fallback_;
  std::vector<Middleware> middleware_;
};

// Percent-decodes (and "+" is kept as is: paths). Invalid escapes fail.
Result<std::string> PercentDecode(std::string_view s, bool plus_is_space = false);
// Parses "a=1&b=x%20y" into a multimap.
Result<std::multimap<std::string, std::string>> ParseQuery(std::string_view query);

}  // namespace vmi::api
