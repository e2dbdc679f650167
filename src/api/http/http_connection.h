// Internal: one HTTP/1.1 connection (keep-alive loop, dispatch to the router,
// chunked streaming responses), templated on the transport: TCP, TLS over
// TCP, or a Unix socket. WebSocket upgrades hand the transport over to a
// WsConnection (ws_connection.h). Included only by server.cc.
//
// Threads: every member runs on the connection's strand (the executor of its
// socket), except the worker-pool part of a blocking handler, which touches
// only req_ while the strand waits for it (no read is pending then).
#pragma once

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>

#include "api/http/server_impl.h"
#include "api/http/tls_relay.h"
#include "api/http/ws_connection.h"
#include "base/log.h"

namespace vmi::api {

namespace beast = boost::beast;
namespace http = boost::beast::http;

using TcpStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using UnixStream = beast::basic_stream<net::local::stream_protocol>;

template <class S>
inline constexpr bool kIsTls = std::is_same_v<S, TlsStream>;

// Runs a handler, turning stray exceptions (nlohmann::json type errors in a
// handler that forgot to validate) into errors instead of killing a thread.
template <class Fn>
Result<Response> GuardedCall(Fn&& fn) {
  try {
    return fn();
  } catch (const nlohmann::json::exception& e) {
    return Error(ErrorCode::kInvalidArgument, std::string("invalid JSON value: ") + e.what());
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal, std::string("handler failed: ") + e.what());
  }
}

// The ResponseStream given to stream handlers. It posts to the connection,
// which it knows only weakly: a finished connection makes writes fail.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  virtual void PostChunk(std::string data) = 0;
  virtual void PostClose() = 0;
};

class StreamImpl : public ResponseStream {
 public:
  StreamImpl(const Request& req, size_t max_queued) : req_(req), max_queued_(max_queued) {}
  const Request& request() const override { return req_; }
  bool Write(std::string data) override {
    if (!open_.load()) return false;
    auto sink = sink_.lock();
    if (!sink) return false;
    if (queued_.load() + data.size() > max_queued_) {
      VMI_LOG(WARN) << "stream " << req_.path << ": client too slow, closing";
      sink->PostClose();
      open_ = false;
      return false;
    }
    queued_ += data.size();
    sink->PostChunk(std::move(data));
    return true;
  }
  void Close() override {
    if (!open_.exchange(false)) return;
    if (auto sink = sink_.lock()) sink->PostClose();
  }
  size_t queued_bytes() const override { return queued_.load(); }
  bool is_open() const override { return open_.load(); }

  // Connection side (strand).
  void Attach(std::weak_ptr<StreamSink> sink) { sink_ = std::move(sink); }
  // The request as the middleware left it (authenticated); before the handler runs.
  void SetRequest(const Request& req) { req_ = req; }
  void Written(size_t n) { queued_ -= n; }
  void Finished() {
    open_ = false;
    auto cb = std::move(on_close_);
    on_close_ = nullptr;
    if (cb) cb();
  }

 private:
  Request req_;
  size_t max_queued_;
  std::weak_ptr<StreamSink> sink_;
  std::atomic<bool> open_{true};
  std::atomic<size_t> queued_{0};
};

inline PeerInfo PeerOf(TcpStream& s, bool tls) {
  PeerInfo p;
  p.transport = PeerInfo::Transport::kTcp;
  p.tls = tls;
  boost::system::error_code ec;
  auto ep = s.socket().remote_endpoint(ec);
  if (!ec) {
    p.address = ep.address().to_string();
    p.port = ep.port();
  }
  return p;
}

inline PeerInfo PeerOf(UnixStream& s, const std::string& path) {
  PeerInfo p;
  p.transport = PeerInfo::Transport::kUnix;
  p.address = path;
  struct ucred cred {};
  socklen_t len = sizeof cred;
  if (getsockopt(s.socket().native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
    p.pid = cred.pid;
    p.uid = cred.uid;
    p.gid = cred.gid;
  }
  return p;
}

template <class Stream>
class HttpConnection : public Connection,
                       public StreamSink,
                       public std::enable_shared_from_this<HttpConnection<Stream>> {
 public:
  HttpConnection(Server::Impl* server, Stream stream, PeerInfo peer,
                 std::shared_ptr<ConnectionLimiter::Slot> slot)
      : server_(server), stream_(std::move(stream)), peer_(std::move(peer)), slot_(std::move(slot)) {}

  // Bytes already read from the socket by another process (Server::Adopt):
  // parsed before anything new is read.
  void Prefill(std::string_view bytes) {
    auto buf = buffer_.prepare(bytes.size());
    net::buffer_copy(buf, net::buffer(bytes.data(), bytes.size()));
    buffer_.commit(bytes.size());
  }

  void Start() {
    if constexpr (kIsTls<Stream>) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return;  // not TLS, or a scanner: drop quietly
                                self->ReadHeader();
                              });
    } else {
      ReadHeader();
    }
  }

  void Shutdown() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->moved_) return;
      beast::error_code ec;
      beast::get_lowest_layer(self->stream_).socket().close(ec);
      self->FinishStream();
    });
  }

  void PostChunk(std::string data) override {
    net::post(stream_.get_executor(),
              [self = this->shared_from_this(), d = std::move(data)]() mutable {
                self->chunks_.push_back(std::move(d));
                self->PumpChunks();
              });
  }
  void PostClose() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->close_after_chunks_ = true;
      self->PumpChunks();
    });
  }

 private:
  const ServerOptions& opts() const { return server_->options; }

  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(opts().max_header_bytes));
    // The body limit depends on the route, known only after the header:
    // OnHeader applies it (413). Beast checks Content-Length against this
    // limit while parsing the header, so it must not be the default here.
    // (Not boost::none: this Beast compares Content-Length against the
    // optional itself, and every length is greater than none.)
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    // Until it has authenticated, a connection gets only a short time per
    // header: idle half-sent requests cannot pile up.
    beast::get_lowest_layer(stream_).expires_after(authenticated_ ? opts().idle_timeout
                                                                  : opts().header_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&HttpConnection::OnHeader,
                                                      this->shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t) {
    if (ec == beast::error::timeout && !authenticated_) server_->limiter->CountHeaderTimeout();
    if (ec) {
      if (ec == http::error::body_limit) {
        keep_alive_ = false;
        return Send(Response::ErrorBody(413, "payload_too_large", "request body too large"));
      }
      if (ec == http::error::header_limit) {
        keep_alive_ = false;
        return Send(Response::ErrorBody(431, "bad_request", "request header too large"));
      }
      if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
          ec == net::error::operation_aborted || ec == net::error::eof ||
          ec == net::error::connection_reset || ec == net::ssl::error::stream_truncated) {
        return GracefulClose();
      }
      keep_alive_ = false;
      return Send(Response::ErrorBody(400, "bad_request", ec.message()));
    }
    start_ = std::chrono::steady_clock::now();
    route_ = nullptr;
    auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    req_ = Request{};
    req_.method = std::string(msg.method_string());
    req_.target = std::string(msg.target());
    req_.peer = peer_;
    for (const auto& f : msg) req_.headers.Add(std::string(f.name_string()), std::string(f.value()));
    std::string_view target = req_.target;
    size_t q = target.find('?');
    std::string_view raw_path = target.substr(0, q);
    auto path = PercentDecode(raw_path);
    if (!path.ok() || raw_path.empty() || raw_path[0] != '/') {
      keep_alive_ = false;
      return Send(Response::ErrorBody(400, "bad_request", "malformed request target"));
    }
    req_.path = std::move(*path);
    if (q != std::string_view::npos) {
      auto query = ParseQuery(target.substr(q + 1));
      if (!query.ok()) return SendResult(std::move(query).error());
      req_.query = std::move(*query);
    }

    Router::Match m = server_->router->Find(req_.method, raw_path);
    if (!m.route) {
      if (m.method_not_allowed) {
        Response r = Response::ErrorBody(405, "method_not_allowed",
                                         req_.method + " is not allowed on " + req_.path);
        r.headers.Set("Allow", m.allow);
        return SkipBodyAndSend(std::move(r));
      }
      const Route* fb = server_->router->fallback();
      if (fb && (req_.method == "GET" || req_.method == "HEAD")) {
        route_ = fb;
      } else {
        return SkipBodyAndSend(
            Response::ErrorBody(404, "not_found", "no route for " + req_.method + " " + req_.path));
      }
    } else {
      route_ = m.route;
      req_.params = std::move(m.params);
    }

    if (route_->kind == RouteKind::kWebSocket) {
      if (!beast::websocket::is_upgrade(msg)) {
        Response r = Response::ErrorBody(426, "bad_request", "this route needs a WebSocket upgrade");
        r.headers.Set("Upgrade", "websocket");
        return SkipBodyAndSend(std::move(r));
      }
      if (!parser_->is_done()) {
        keep_alive_ = false;
        return Send(Response::ErrorBody(400, "bad_request", "WebSocket upgrade with a body"));
      }
      return Upgrade();
    }

    size_t limit = route_->options.max_body_bytes ? route_->options.max_body_bytes
                                                  : opts().max_body_bytes;
    auto len = parser_->content_length();
    if (len && *len > limit) {
      keep_alive_ = false;
      return Send(Response::ErrorBody(413, "payload_too_large",
                                      "body of " + std::to_string(*len) + " bytes exceeds " +
                                          std::to_string(limit)));
    }
    parser_->body_limit(limit);
    if (!route_->options.spool_dir.empty()) return SpoolBody(limit);
    if (parser_->is_done()) return Dispatch();
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this(), limit](beast::error_code ec, size_t) {
          if (ec == http::error::body_limit) {
            self->keep_alive_ = false;
            return self->Send(Response::ErrorBody(
                413, "payload_too_large", "body exceeds " + std::to_string(limit) + " bytes"));
          }
          if (ec) return self->GracefulClose();
          self->Dispatch();
        });
  }

  // Upload routes: authenticate first, then stream the body into a file.
  void SpoolBody(size_t limit) {
    Result<void> mw = server_->router->RunMiddleware(req_, *route_);
    if (!mw.ok()) return SkipBodyAndSend(Response::FromError(mw.error()));
    spooled_ = true;
    if (parser_->is_done()) return Dispatch();
    static std::atomic<uint64_t> counter{0};
    std::string path = route_->options.spool_dir + "/upload-" + std::to_string(getpid()) + "-" +
                       std::to_string(counter++);
    file_parser_.emplace(std::move(*parser_));
    file_parser_->body_limit(limit);
    beast::error_code ec;
    file_parser_->get().body().open(path.c_str(), beast::file_mode::write_new, ec);
    if (ec) {
      keep_alive_ = false;
      return Send(Response::ErrorBody(500, "internal", "cannot spool the upload: " + ec.message()));
    }
    req_.body_file = path;
    ReadSpoolChunk(limit);
  }

  // An upload may be large and slow: instead of one deadline for the whole
  // body (a fresh connection's is header_timeout), each chunk must arrive
  // within idle_timeout of the previous one.
  void ReadSpoolChunk(size_t limit) {
    beast::get_lowest_layer(stream_).expires_after(opts().idle_timeout);
    http::async_read_some(
        stream_, buffer_, *file_parser_,
        [self = this->shared_from_this(), limit](beast::error_code ec, size_t) {
          if (!ec && !self->file_parser_->is_done()) return self->ReadSpoolChunk(limit);
          self->file_parser_->get().body().close();
          if (ec) {
            unlink(self->req_.body_file.c_str());
            self->req_.body_file.clear();
            self->keep_alive_ = false;
            if (ec == http::error::body_limit)
              return self->Send(Response::ErrorBody(
                  413, "payload_too_large", "body exceeds " + std::to_string(limit) + " bytes"));
            return self->GracefulClose();
          }
          self->Dispatch();
        });
  }

  // For an early error: the body (if any) is not read, so the connection
  // cannot be reused unless there was none.
  void SkipBodyAndSend(Response r) {
    if (!parser_->is_done()) keep_alive_ = false;
    Send(std::move(r));
  }

  void Dispatch() {
    if (!spooled_) req_.body = std::move(parser_->get().body());
    bool spooled = spooled_;
    spooled_ = false;
    const Route* route = route_;
    const Router* router = server_->router;
    switch (route->kind) {
      case RouteKind::kHandler:
      case RouteKind::kFallback: {
        auto run = [route, router, spooled](Request& req) -> Result<Response> {
          return GuardedCall([&]() -> Result<Response> {
            // A spooled upload ran the middleware before its body.
            Result<void> mw = spooled ? Ok() : router->RunMiddleware(req, *route);
            if (!mw.ok()) return std::move(mw).error();
            Result<Response> r = route->handler(req);
            // Whatever the handler did not move away goes.
            if (spooled && !req.body_file.empty()) unlink(req.body_file.c_str());
            return r;
          });
        };
        if (!route->options.blocking) return SendResult(run(req_));
        net::post(*server_->pool, [self = this->shared_from_this(), run] {
          Result<Response> r = run(self->req_);
          net::post(self->stream_.get_executor(),
                    [self, r = std::move(r)]() mutable { self->SendResult(std::move(r)); });
        });
        return;
      }
      case RouteKind::kAsync: {
        auto mw = router->RunMiddleware(req_, *route);
        if (!mw.ok()) return SendResult(std::move(mw).error());
        // The responder keeps the connection alive: no operation is pending
        // on it until the response comes.
        auto self = this->shared_from_this();
        Responder responder([self](Result<Response> r) {
          net::post(self->stream_.get_executor(),
                    [self, r = std::move(r)]() mutable { self->SendResult(std::move(r)); });
        });
        try {
          route->async_handler(req_, responder);
        } catch (const std::exception& e) {
          responder(Error(ErrorCode::kInternal, std::string("handler failed: ") + e.what()));
        }
        return;
      }
      case RouteKind::kStream:
        return StartStream();
      case RouteKind::kWebSocket:
        return;  // handled in OnHeader
    }
  }

  void SendResult(Result<Response> r) {
    if (r.ok()) return Send(std::move(r).value());
    const Error& e = r.error();
    int status = HttpStatusFor(e.code());
    if (status >= 500) {
      VMI_LOG(WARN) << req_.method << " " << req_.path << ": " << e.ToString();
    }
    Send(Response::FromError(e));
  }

  void Send(Response r) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(r.status));
    for (const auto& [k, v] : r.headers.fields()) res->insert(k, v);
    bool head = req_.method == "HEAD";
    size_t size = r.body.size();
    if (!head) res->body() = std::move(r.body);
    res->keep_alive(keep_alive_);
    if (r.status != 204 && r.status != 304) res->content_length(size);
    status_ = r.status;
    if (req_.auth.authenticated()) authenticated_ = true;
    Report();
    beast::get_lowest_layer(stream_).expires_after(opts().idle_timeout);
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](beast::error_code ec, size_t) {
                        if (ec) return self->GracefulClose();
                        if (!self->keep_alive_) return self->GracefulClose();
                        self->ReadHeader();
                      });
  }

  void Report() {
    if (!opts().on_response) return;
    opts().on_response(req_, route_, status_, std::chrono::steady_clock::now() - start_);
  }

  void GracefulClose() {
    beast::error_code ec;
    if constexpr (kIsTls<Stream>) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::get_lowest_layer(stream_).socket().shutdown(net::socket_base::shutdown_send, ec);
    }
  }

  // --- WebSocket upgrade ---------------------------------------------------
  void Upgrade() {
    auto mw = GuardedCall([&]() -> Result<Response> {
      Result<void> r = server_->router->RunMiddleware(req_, *route_);
      if (!r.ok()) return std::move(r).error();
      return Response{};
    });
    if (!mw.ok()) return SendResult(std::move(mw).error());
    if (opts().handoff && HandOff()) return;
    auto ws = std::make_shared<WsConnection<Stream>>(server_, req_);
    std::shared_ptr<WebSocket> as_ws = ws;
    auto ok = GuardedCall([&]() -> Result<Response> {
      Result<void> r = route_->ws_handler(req_, as_ws);
      if (!r.ok()) return std::move(r).error();
      return Response{};
    });
    if (!ok.ok()) {
      ws->Abandon();
      return SendResult(std::move(ok).error());
    }
    status_ = 101;
    Report();
    moved_ = true;
    ws->HoldSlot(slot_);  // the WebSocket counts as this client's connection
    if (!server_->Register(ws)) return ws->Abandon();
    ws->Accept(std::move(stream_), parser_->release());
  }

  // Offers the socket and the bytes read so far to the server's handoff
  // hook. True when the connection is finished here (handed off, or an
  // error was answered); false when the route's own handler should run.
  // A TLS connection offers one end of a socket pair and relays to it.
  bool HandOff() {
    HandedOffSocket s;
    [[maybe_unused]] UniqueFd relay_end;
    if constexpr (kIsTls<Stream>) {
      int pair[2];
      if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
        SendResult(Error::FromErrno("socket pair for the TLS relay"));
        return true;
      }
      relay_end = UniqueFd(pair[0]);
      s.fd = UniqueFd(pair[1]);
    } else {
      s.fd = UniqueFd(
          fcntl(beast::get_lowest_layer(stream_).socket().native_handle(), F_DUPFD_CLOEXEC, 0));
    }
    if (!s.fd) {
      SendResult(Error::FromErrno("duplicate the connection's socket"));
      return true;
    }
    std::ostringstream head;
    head << parser_->get().base();
    s.head = head.str();
    auto rest = buffer_.cdata();  // sent early by the client, not parsed yet
    s.head.append(static_cast<const char*>(rest.data()), rest.size());
    Result<bool> taken = Error(ErrorCode::kInternal, "handoff");
    try {
      taken = opts().handoff(req_, *route_, s);
    } catch (const std::exception& e) {
      taken = Error(ErrorCode::kInternal, std::string("handoff failed: ") + e.what());
    }
    if (!taken.ok()) {
      SendResult(std::move(taken).error());
      return true;
    }
    if (!*taken) return false;
    status_ = 101;
    Report();
    moved_ = true;
    beast::error_code ec;
    if constexpr (kIsTls<Stream>) {
      net::local::stream_protocol::socket local(stream_.get_executor());
      local.assign(net::local::stream_protocol(), relay_end.get(), ec);
      if (ec) {
        beast::get_lowest_layer(stream_).socket().close(ec);
        return true;
      }
      (void)relay_end.release();
      auto relay = std::make_shared<TlsRelay<Stream>>(std::move(stream_), std::move(local), slot_);
      if (server_->Register(relay)) relay->Start();
    } else {
      beast::get_lowest_layer(stream_).socket().close(ec);
    }
    return true;
  }

  // --- chunked streaming -----------------------------------------------------
  void StartStream() {
    auto s = std::make_shared<StreamImpl>(req_, opts().ws_max_queued_bytes);
    // Attached before the handler runs so it may write at once; the chunks
    // wait until the head is written.
    s->Attach(std::static_pointer_cast<StreamSink>(this->shared_from_this()));
    chunks_.clear();
    close_after_chunks_ = false;
    std::shared_ptr<ResponseStream> as_stream = s;
    Result<Response> head = GuardedCall([&]() -> Result<Response> {
      Result<void> r = server_->router->RunMiddleware(req_, *route_);
      if (!r.ok()) return std::move(r).error();
      s->SetRequest(req_);
      return route_->stream_handler(req_, as_stream);
    });
    if (!head.ok()) {
      s->Finished();
      keep_alive_ = false;  // chunks the handler wrote may still be posted
      return SendResult(std::move(head).error());
    }
    stream_impl_ = s;
    Response& r = head.value();
    auto res = std::make_shared<http::response<http::empty_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(r.status));
    for (const auto& [k, v] : r.headers.fields()) res->insert(k, v);
    res->set(http::field::cache_control, "no-cache");
    res->keep_alive(false);
    res->chunked(true);
    if (!r.body.empty()) s->Write(std::move(r.body));
    status_ = r.status;
    Report();
    head_serializer_ = std::make_shared<http::response_serializer<http::empty_body>>(*res);
    beast::get_lowest_layer(stream_).expires_never();
    writing_ = true;
    http::async_write_header(stream_, *head_serializer_,
                             [self = this->shared_from_this(), res](beast::error_code ec, size_t) {
                               self->writing_ = false;
                               self->head_serializer_.reset();
                               if (ec) return self->FinishStream();
                               self->WatchDisconnect();
                               self->PumpChunks();
                             });
  }

  void WatchDisconnect() {
    stream_.async_read_some(net::buffer(discard_),
                            [self = this->shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->FinishStream();
                              self->WatchDisconnect();
                            });
  }

  void PumpChunks() {
    if (writing_ || !stream_impl_ || stream_done_) return;
    if (chunks_.empty()) {
      if (!close_after_chunks_) return;
      writing_ = true;
      net::async_write(stream_, http::make_chunk_last(),
                       [self = this->shared_from_this()](beast::error_code, size_t) {
                         self->writing_ = false;
                         self->FinishStream();
                         self->GracefulClose();
                       });
      return;
    }
    auto data = std::make_shared<std::string>(std::move(chunks_.front()));
    chunks_.pop_front();
    if (data->empty()) return PumpChunks();  // an empty chunk would end the body
    writing_ = true;
    net::async_write(stream_, http::make_chunk(net::buffer(*data)),
                     [self = this->shared_from_this(), data](beast::error_code ec, size_t) {
                       self->writing_ = false;
                       if (self->stream_impl_) self->stream_impl_->Written(data->size());
                       if (ec) return self->FinishStream();
                       self->PumpChunks();
                     });
  }

  void FinishStream() {
    if (stream_done_ || !stream_impl_) return;
    stream_done_ = true;
    chunks_.clear();
    auto s = std::move(stream_impl_);
    s->Finished();
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().close(ec);
  }

  Server::Impl* server_;
  Stream stream_;
  PeerInfo peer_;
  std::shared_ptr<ConnectionLimiter::Slot> slot_;
  bool authenticated_ = false;  // a request on it authenticated
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::request_parser<http::file_body>> file_parser_;
  bool spooled_ = false;
  Request req_;
  const Route* route_ = nullptr;
  bool keep_alive_ = true;
  bool moved_ = false;  // the transport went to a WsConnection
  int status_ = 0;
  std::chrono::steady_clock::time_point start_;

  // Streaming state.
  std::shared_ptr<StreamImpl> stream_impl_;
  std::shared_ptr<http::response_serializer<http::empty_body>> head_serializer_;
  std::deque<std::string> chunks_;
  bool writing_ = false;
  bool close_after_chunks_ = false;
  bool stream_done_ = false;
  char discard_[256];
};

}  // namespace vmi::api
