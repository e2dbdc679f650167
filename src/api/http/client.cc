#include "api/http/client.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cstdint>
#include <limits>
#include <optional>

#include "base/log.h"
#include "base/unique_fd.h"

namespace vmi::api {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using local = net::local::stream_protocol;
using ec_t = boost::system::error_code;

namespace {

struct ServerUrl {
  enum class Kind { kUnix, kHttp, kHttps } kind = Kind::kUnix;
  std::string path;  // unix socket
  std::string host;
  std::string port;
};

Result<ServerUrl> ParseServer(const std::string& s) {
  ServerUrl u;
  auto strip = [&](std::string_view prefix) {
    return s.rfind(prefix, 0) == 0 ? std::optional<std::string>(s.substr(prefix.size()))
                                   : std::nullopt;
  };
  if (!s.empty() && s[0] == '/') {
    u.path = s;
    return u;
  }
  if (auto rest = strip("unix://")) {
    u.path = *rest;
    if (u.path.empty() || u.path[0] != '/') {
      return Error(ErrorCode::kInvalidArgument, "unix:// server needs an absolute path: " + s);
    }
    return u;
  }
  std::optional<std::string> rest;
  if ((rest = strip("http://"))) {
    u.kind = ServerUrl::Kind::kHttp;
    u.port = "80";
  } else if ((rest = strip("https://"))) {
    u.kind = ServerUrl::Kind::kHttps;
    u.port = "443";
  } else {
    return Error(ErrorCode::kInvalidArgument,
                 "server must be unix:///path, http://host:port or https://host:port: " + s);
  }
  std::string hostport = rest->substr(0, rest->find('/'));
  if (!hostport.empty() && hostport[0] == '[') {  // [::1]:8080
    size_t close = hostport.find(']');
    if (close == std::string::npos) return Error(ErrorCode::kInvalidArgument, "bad host: " + s);
    u.host = hostport.substr(1, close - 1);
    if (close + 1 < hostport.size() && hostport[close + 1] == ':')
      u.port = hostport.substr(close + 2);
  } else {
    size_t colon = hostport.rfind(':');
    u.host = hostport.substr(0, colon);
    if (colon != std::string::npos) u.port = hostport.substr(colon + 1);
  }
  if (u.host.empty()) return Error(ErrorCode::kInvalidArgument, "no host in " + s);
  return u;
}

ErrorCode ErrorCodeFromName(std::string_view name, int status) {
  static constexpr ErrorCode kAll[] = {
      ErrorCode::kInvalidArgument,    ErrorCode::kNotFound,         ErrorCode::kAlreadyExists,
      ErrorCode::kFailedPrecondition, ErrorCode::kPermissionDenied, ErrorCode::kUnauthenticated,
      ErrorCode::kResourceExhausted,  ErrorCode::kUnavailable,      ErrorCode::kInternal,
      ErrorCode::kUnimplemented,      ErrorCode::kDeadlineExceeded, ErrorCode::kAborted};
  for (ErrorCode c : kAll) {
    if (name == ErrorCodeName(c)) return c;
  }
  switch (status) {
    case 400:
    case 413:
    case 431:
      return ErrorCode::kInvalidArgument;
    case 401:
      return ErrorCode::kUnauthenticated;
    case 403:
      return ErrorCode::kPermissionDenied;
    case 404:
      return ErrorCode::kNotFound;
    case 405:
      return ErrorCode::kUnimplemented;
    case 409:
      return ErrorCode::kFailedPrecondition;
    case 429:
      return ErrorCode::kResourceExhausted;
    case 501:
      return ErrorCode::kUnimplemented;
    case 503:
      return ErrorCode::kUnavailable;
    case 504:
      return ErrorCode::kDeadlineExceeded;
    default:
      return status >= 500 ? ErrorCode::kInternal : ErrorCode::kUnknown;
  }
}

// Runs one async operation on the private io_context, so that the
// basic_stream timeouts apply to otherwise blocking calls.
template <class Start>
ec_t RunIo(net::io_context& ioc, Start&& start) {
  ec_t result = net::error::would_block;
  start([&result](ec_t ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

// One open connection, of any transport.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual ec_t Write(http::request<http::string_body>& req) = 0;
  virtual ec_t ReadHeader(http::response_parser<http::string_body>& p) = 0;
  virtual ec_t ReadBody(http::response_parser<http::string_body>& p) = 0;
  virtual ec_t ReadHeader(http::response_parser<http::buffer_body>& p) = 0;
  virtual ec_t ReadSome(http::response_parser<http::buffer_body>& p) = 0;
  // Uploads: the head, then the body in pieces.
  virtual ec_t WriteHead(http::request<http::empty_body>& req) = 0;
  virtual ec_t WriteRaw(net::const_buffer data) = 0;
  // Upgrades this connection to a WebSocket and joins it to `fd` (see
  // HttpClient::Tunnel).
  virtual Result<void> Tunnel(const std::string& host, std::string_view target,
                              const std::string& token, int fd) = 0;
};

template <class Stream>
class TransportOf : public Transport {
 public:
  TransportOf(net::io_context& ioc, Stream stream, std::chrono::seconds timeout)
      : ioc_(ioc), stream_(std::move(stream)), timeout_(timeout) {}
  ~TransportOf() override {
    ec_t ec;
    beast::get_lowest_layer(stream_).socket().close(ec);
  }
  ec_t Write(http::request<http::string_body>& req) override {
    Arm();
    return RunIo(ioc_, [&](auto h) { http::async_write(stream_, req, h); });
  }
  ec_t ReadHeader(http::response_parser<http::string_body>& p) override {
    Arm();
    return RunIo(ioc_, [&](auto h) { http::async_read_header(stream_, buf_, p, h); });
  }
  ec_t ReadBody(http::response_parser<http::string_body>& p) override {
    Arm();
    return RunIo(ioc_, [&](auto h) { http::async_read(stream_, buf_, p, h); });
  }
  ec_t ReadHeader(http::response_parser<http::buffer_body>& p) override {
    Arm();
    return RunIo(ioc_, [&](auto h) { http::async_read_header(stream_, buf_, p, h); });
  }
  ec_t ReadSome(http::response_parser<http::buffer_body>& p) override {
    Arm();
    return RunIo(ioc_, [&](auto h) { http::async_read_some(stream_, buf_, p, h); });
  }
  ec_t WriteHead(http::request<http::empty_body>& req) override {
    Arm();
    http::request_serializer<http::empty_body> sr(req);
    return RunIo(ioc_, [&](auto h) { http::async_write_header(stream_, sr, h); });
  }
  ec_t WriteRaw(net::const_buffer data) override {
    Arm();
    return RunIo(ioc_, [&](auto h) { net::async_write(stream_, data, h); });
  }
  Stream& stream() { return stream_; }

  Result<void> Tunnel(const std::string& host, std::string_view target, const std::string& token,
                      int fd) override {
    namespace ws = beast::websocket;
    ws::stream<Stream&> w(stream_);
    w.set_option(ws::stream_base::decorator([&token](ws::request_type& r) {
      r.set(http::field::user_agent, "vmi-cli");
      if (!token.empty()) r.set(http::field::authorization, "Bearer " + token);
    }));
    w.binary(true);
    ws::response_type res;
    Arm();
    ec_t ec = RunIo(ioc_, [&](auto h) { w.async_handshake(res, host, target, h); });
    if (ec) {
      if (res.result_int() != 0 && res.result_int() != 101)
        return Error(ErrorCode::kUnavailable, "the server refused the WebSocket: " +
                                                  std::to_string(res.result_int()) + " " +
                                                  std::string(res.reason()));
      return Error(ErrorCode::kUnavailable, "WebSocket handshake: " + ec.message());
    }
    beast::get_lowest_layer(stream_).expires_never();
    // Two chains on this thread's io_context: WebSocket -> fd and fd ->
    // WebSocket (one read and one write outstanding on each side at most).
    net::posix::stream_descriptor local(ioc_, dup(fd));
    beast::flat_buffer in;
    std::vector<char> out(64 * 1024);
    auto stop = [&](ec_t) {
      ec_t ignore;
      local.close(ignore);
      beast::get_lowest_layer(stream_).socket().close(ignore);
    };
    std::function<void()> read_ws, read_local;
    read_ws = [&] {
      w.async_read(in, [&](ec_t e, size_t) {
        if (e) return stop(e);
        net::async_write(local, in.data(), [&](ec_t e2, size_t) {
          if (e2) return stop(e2);
          in.consume(in.size());
          read_ws();
        });
      });
    };
    read_local = [&] {
      local.async_read_some(net::buffer(out), [&](ec_t e, size_t n) {
        if (e) return stop(e);
        w.async_write(net::buffer(out.data(), n), [&](ec_t e2, size_t) {
          if (e2) return stop(e2);
          read_local();
        });
      });
    };
    read_ws();
    read_local();
    ioc_.restart();
    ioc_.run();
    // However it ended (either side closing is the normal end), the tunnel
    // is over.
    return Ok();
  }

 private:
  void Arm() { beast::get_lowest_layer(stream_).expires_after(timeout_); }
  net::io_context& ioc_;
  Stream stream_;
  std::chrono::seconds timeout_;
  beast::flat_buffer buf_;
};

}  // namespace

struct HttpClient::Impl {
  ClientOptions options;
  ServerUrl url;
  net::io_context ioc;
  std::optional<net::ssl::context> tls;
  std::unique_ptr<Transport> conn;

  Result<void> Connect() {
    conn.reset();
    ec_t ec;
    if (url.kind == ServerUrl::Kind::kUnix) {
      beast::basic_stream<local> s(ioc);
      s.expires_after(options.timeout);
      ec = RunIo(ioc, [&](auto h) { s.async_connect(local::endpoint(url.path), h); });
      if (ec) return Error(ErrorCode::kUnavailable, "connect to " + url.path + ": " + ec.message());
      conn = std::make_unique<TransportOf<beast::basic_stream<local>>>(ioc, std::move(s),
                                                                       options.timeout);
      return Ok();
    }
    tcp::resolver resolver(ioc);
    auto eps = resolver.resolve(url.host, url.port, ec);
    if (ec) return Error(ErrorCode::kUnavailable, "resolve " + url.host + ": " + ec.message());
    beast::tcp_stream s(ioc);
    s.expires_after(options.timeout);
    ec = RunIo(ioc, [&](auto h) { s.async_connect(eps, h); });
    if (ec) {
      return Error(ErrorCode::kUnavailable,
                   "connect to " + url.host + ":" + url.port + ": " + ec.message());
    }
    s.socket().set_option(tcp::no_delay(true), ec);
    if (url.kind == ServerUrl::Kind::kHttp) {
      conn = std::make_unique<TransportOf<beast::tcp_stream>>(ioc, std::move(s), options.timeout);
      return Ok();
    }
    beast::ssl_stream<beast::tcp_stream> ts(std::move(s), *tls);
    if (!SSL_set_tlsext_host_name(ts.native_handle(), url.host.c_str())) {
      return Error(ErrorCode::kInternal, "TLS SNI setup failed");
    }
    if (!options.insecure) ts.set_verify_callback(net::ssl::host_name_verification(url.host));
    beast::get_lowest_layer(ts).expires_after(options.timeout);
    ec = RunIo(ioc, [&](auto h) { ts.async_handshake(net::ssl::stream_base::client, h); });
    if (ec)
      return Error(ErrorCode::kUnavailable, "TLS handshake with " + url.host + ": " + ec.message());
    conn = std::make_unique<TransportOf<beast::ssl_stream<beast::tcp_stream>>>(ioc, std::move(ts),
                                                                               options.timeout);
    return Ok();
  }

  http::request<http::string_body> Build(std::string_view method, std::string_view target,
                                         std::string body, std::string_view content_type,
                                         const Headers& extra) {
    http::request<http::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(http::field::host, url.kind == ServerUrl::Kind::kUnix ? "localhost" : url.host);
    req.set(http::field::user_agent, "vmi-cli");
    if (!options.token.empty()) req.set(http::field::authorization, "Bearer " + options.token);
    for (const auto& [k, v] : extra.fields()) req.set(k, v);
    if (!body.empty()) req.set(http::field::content_type, content_type);
    req.body() = std::move(body);
    req.keep_alive(true);
    req.prepare_payload();
    return req;
  }

  // Writes the request, reconnecting once if a kept-alive connection turned
  // out to be closed.
  Result<void> WriteWithRetry(http::request<http::string_body>& req, bool* fresh) {
    *fresh = !conn;
    if (!conn) VMI_CHECK_OK(Connect(), "connect");
    ec_t ec = conn->Write(req);
    if (ec && !*fresh) {
      *fresh = true;
      VMI_CHECK_OK(Connect(), "reconnect");
      ec = conn->Write(req);
    }
    if (ec) {
      conn.reset();
      return Error(ErrorCode::kUnavailable, "send request: " + ec.message());
    }
    return Ok();
  }
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

Result<std::unique_ptr<HttpClient>> HttpClient::Create(ClientOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->url = VMI_TRY(ParseServer(options.server));
  impl->options = std::move(options);
  if (impl->url.kind == ServerUrl::Kind::kHttps) {
    impl->tls.emplace(net::ssl::context::tls_client);
    ec_t ec;
    if (impl->options.insecure) {
      impl->tls->set_verify_mode(net::ssl::verify_none);
    } else {
      impl->tls->set_verify_mode(net::ssl::verify_peer);
      if (!impl->options.ca_file.empty()) {
        impl->tls->load_verify_file(impl->options.ca_file, ec);
      } else {
        impl->tls->set_default_verify_paths(ec);
      }
      if (ec) return Error(ErrorCode::kInvalidArgument, "TLS trust store: " + ec.message());
    }
  }
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

Result<ClientResponse> HttpClient::Send(std::string_view method, std::string_view target,
                                        std::string body, std::string_view content_type,
                                        const Headers& extra) {
  auto req = impl_->Build(method, target, std::move(body), content_type, extra);
  for (int attempt = 0;; ++attempt) {
    bool fresh = false;
    VMI_CHECK_OK(impl_->WriteWithRetry(req, &fresh),
                 std::string(method) + " " + std::string(target));
    http::response_parser<http::string_body> p;
    p.body_limit(256 << 20);
    if (method == "HEAD") p.skip(true);
    ec_t ec = impl_->conn->ReadHeader(p);
    // A kept-alive connection the server closed meanwhile: retry once.
    if ((ec == http::error::end_of_stream || ec == net::error::connection_reset) && !fresh &&
        attempt == 0) {
      impl_->conn.reset();
      continue;
    }
    if (!ec && !p.is_done()) ec = impl_->conn->ReadBody(p);
    if (ec) {
      impl_->conn.reset();
      return Error(ErrorCode::kUnavailable, std::string(method) + " " + std::string(target) +
                                                ": read response: " + ec.message());
    }
    auto msg = p.release();
    ClientResponse r;
    r.status = static_cast<int>(msg.result_int());
    for (const auto& f : msg) r.headers.Add(std::string(f.name_string()), std::string(f.value()));
    r.body = std::move(msg.body());
    if (!msg.keep_alive()) impl_->conn.reset();
    return r;
  }
}

Result<ClientResponse> HttpClient::Upload(std::string_view method, std::string_view target,
                                          const std::string& path,
                                          const std::function<void(uint64_t, uint64_t)>& progress,
                                          const Headers& extra) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::FromErrno("open " + path);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Error::FromErrno("stat " + path);
  if (!S_ISREG(st.st_mode)) return Error(ErrorCode::kInvalidArgument, path + " is not a file");
  uint64_t total = static_cast<uint64_t>(st.st_size);
  http::request<http::empty_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host,
          impl_->url.kind == ServerUrl::Kind::kUnix ? "localhost" : impl_->url.host);
  req.set(http::field::user_agent, "vmi-cli");
  if (!impl_->options.token.empty())
    req.set(http::field::authorization, "Bearer " + impl_->options.token);
  req.set(http::field::content_type, "application/octet-stream");
  for (const auto& [k, v] : extra.fields()) req.set(k, v);
  req.content_length(total);
  req.keep_alive(true);
  // A fresh connection: a server that refuses early closes it.
  VMI_CHECK_OK(impl_->Connect(), "connect");
  std::string where = std::string(method) + " " + std::string(target);
  ec_t ec = impl_->conn->WriteHead(req);
  uint64_t sent = 0;
  std::vector<char> buf(1 << 20);
  while (!ec && sent < total) {
    ssize_t n = read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::FromErrno("read " + path);
    if (n == 0) return Error(ErrorCode::kAborted, path + " shrank while being sent");
    ec = impl_->conn->WriteRaw(net::buffer(buf.data(), static_cast<size_t>(n)));
    if (!ec) {
      sent += static_cast<uint64_t>(n);
      if (progress) progress(sent, total);
    }
  }
  // Even when the write failed, the server may have answered (413, 401).
  http::response_parser<http::string_body> p;
  p.body_limit(16 << 20);
  ec_t rec = impl_->conn->ReadHeader(p);
  if (!rec && !p.is_done()) rec = impl_->conn->ReadBody(p);
  if (rec) {
    impl_->conn.reset();
    return Error(ErrorCode::kUnavailable,
                 where + ": " + (ec ? "send: " + ec.message() : "read response: " + rec.message()));
  }
  auto msg = p.release();
  ClientResponse r;
  r.status = static_cast<int>(msg.result_int());
  for (const auto& f : msg) r.headers.Add(std::string(f.name_string()), std::string(f.value()));
  r.body = std::move(msg.body());
  impl_->conn.reset();
  return r;
}

Error ErrorFromResponse(const ClientResponse& r) {
  Json j = Json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    const Json& e = j["error"];
    std::string code = e.value("code", "");
    std::string message = e.value("message", "");
    return Error(ErrorCodeFromName(code, r.status), message.empty() ? code : message);
  }
  return Error(
      ErrorCodeFromName("", r.status),
      "HTTP " + std::to_string(r.status) + (r.body.empty() ? "" : ": " + r.body.substr(0, 200)));
}

Result<Json> HttpClient::Call(std::string_view method, std::string_view target, const Json* body) {
  std::string payload = body ? body->dump() : std::string();
  ClientResponse r = VMI_TRY(Send(method, target, std::move(payload)));
  if (r.status < 200 || r.status >= 300) return ErrorFromResponse(r);
  if (r.body.empty()) return Json(nullptr);
  Json j = Json::parse(r.body, nullptr, false);
  if (j.is_discarded()) {
    return Error(ErrorCode::kInternal,
                 std::string(method) + " " + std::string(target) + ": server sent malformed JSON");
  }
  return j;
}

Result<void> HttpClient::Tunnel(std::string_view target, UniqueFd local) {
  // A connection of its own: it becomes the WebSocket and is not reused.
  impl_->conn.reset();
  VMI_CHECK_OK(impl_->Connect(), "connect");
  auto conn = std::move(impl_->conn);
  std::string host = impl_->url.kind == ServerUrl::Kind::kUnix ? "localhost" : impl_->url.host;
  return conn->Tunnel(host, target, impl_->options.token, local.get());
}

Result<int> HttpClient::Stream(std::string_view method, std::string_view target,
                               const std::function<bool(std::string_view)>& on_data) {
  auto req = impl_->Build(method, target, {}, {}, {});
  req.set(http::field::accept, "text/event-stream, */*");
  bool fresh = false;
  VMI_CHECK_OK(impl_->WriteWithRetry(req, &fresh), std::string(method) + " " + std::string(target));
  http::response_parser<http::buffer_body> p;
  // No limit for a stream. Not boost::none: Boost 1.74's parser compares a
  // Content-Length against the empty optional as "greater", so every
  // error response (which has one) failed with "body limit exceeded".
  p.body_limit(std::numeric_limits<std::uint64_t>::max());
  ec_t ec = impl_->conn->ReadHeader(p);
  if (ec) {
    impl_->conn.reset();
    return Error(ErrorCode::kUnavailable, "read response header: " + ec.message());
  }
  int status = static_cast<int>(p.get().result_int());
  ClientResponse err;
  err.status = status;
  char buf[16 * 1024];
  while (!p.is_done()) {
    p.get().body().data = buf;
    p.get().body().size = sizeof buf;
    ec = impl_->conn->ReadSome(p);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      impl_->conn.reset();
      if (ec == http::error::end_of_stream || ec == http::error::partial_message) break;
      return Error(ErrorCode::kUnavailable, "read response body: " + ec.message());
    }
    size_t n = sizeof buf - p.get().body().size;
    if (n == 0) continue;
    if (status < 200 || status >= 300) {
      err.body.append(buf, n);
      continue;
    }
    if (!on_data(std::string_view(buf, n))) {
      impl_->conn.reset();  // abandon the rest of the stream
      return status;
    }
  }
  impl_->conn.reset();
  if (status < 200 || status >= 300) return ErrorFromResponse(err);
  return status;
}

void SseParser::Feed(std::string_view bytes) {
  buf_.append(bytes);
  size_t start = 0;
  while (true) {
    size_t nl = buf_.find('\n', start);
    if (nl == std::string::npos) break;
    std::string_view line(buf_.data() + start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    Line(line);
    start = nl + 1;
  }
  buf_.erase(0, start);
}

void SseParser::Line(std::string_view line) {
  if (line.empty()) {
    if (has_data_) {
      if (cur_.event.empty()) cur_.event = "message";
      on_event_(cur_);
    }
    cur_ = Event{};
    has_data_ = false;
    return;
  }
  if (line[0] == ':') return;  // comment
  size_t colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value =
      colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
  if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  if (field == "event") {
    cur_.event = std::string(value);
  } else if (field == "data") {
    if (has_data_) cur_.data += '\n';
    cur_.data += value;
    has_data_ = true;
  } else if (field == "id") {
    cur_.id = std::string(value);
  }
}

}  // namespace vmi::api
