// Server tests over real sockets: a Unix socket, TCP and TLS, with the
// project's own HttpClient and Beast's WebSocket client on the other end.
#include "api/http/server.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/asio/ssl.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "api/http/client.h"
#include "api/http/static_files.h"
#include "base/child_process.h"
#include "base/file.h"
#include "base/temp_dir.h"

namespace vmi::api {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

// A one-shot flag to wait on across threads, with a generous deadline so a
// broken server fails the test instead of hanging it.
class Flag {
 public:
  void Set() {
    std::lock_guard<std::mutex> l(mu_);
    set_ = true;
    cv_.notify_all();
  }
  bool Wait() {
    std::unique_lock<std::mutex> l(mu_);
    return cv_.wait_for(l, std::chrono::seconds(20), [&] { return set_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool set_ = false;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tmp = TempDir::Create("vmi-http");
    ASSERT_TRUE(tmp.ok()) << tmp.error().ToString();
    tmp_ = std::move(*tmp);
    dir_ = tmp_.path();
    sock_ = dir_ + "/run/api.sock";

    router_.Handle("GET", "/api/v1/hello/{name}", [](Request& req) -> Result<Response> {
      Json j = {{"hello", req.Param("name")},
                {"q", req.Query("x").value_or("")},
                {"transport", req.peer.transport == PeerInfo::Transport::kUnix ? "unix" : "tcp"},
                {"uid", static_cast<int64_t>(req.peer.uid)}};
      return Response::JsonBody(j);
    });
    router_.Handle("POST", "/api/v1/echo",
                   [](Request& req) -> Result<Response> {
                     Json body = VMI_TRY(ParseJsonObject(req.body));
                     return Response::JsonBody(body, 201);
                   },
                   {.max_body_bytes = 64});
    router_.Handle("GET", "/api/v1/missing", [](Request&) -> Result<Response> {
      return Error(ErrorCode::kNotFound, "no such thing").Context("lookup");
    });
    router_.Handle("GET", "/api/v1/throws", [](Request&) -> Result<Response> {
      Json j = Json::parse("{\"a\":\"text\"}");
      int n = j.at("a").get<int>();  // wrong type: throws
      return Response::Text(std::to_string(n));
    });
    router_.Handle("GET", "/api/v1/thread", [this](Request&) -> Result<Response> {
      io_thread_ = std::this_thread::get_id();
      return Response::Text("io");
    });
    // A blocking handler parks on a worker until /release is called: if it
    // stalled the io thread, /release could never be served.
    router_.Handle("GET", "/api/v1/slow",
                   [this](Request&) -> Result<Response> {
                     slow_thread_ = std::this_thread::get_id();
                     slow_started_.Set();
                     bool released = release_.Wait();
                     return Response::Text(released ? "released" : "timeout");
                   },
                   {.blocking = true});
    router_.Handle("POST", "/api/v1/release", [this](Request&) -> Result<Response> {
      release_.Set();
      return Response::NoContent();
    });
    router_.HandleAsync("GET", "/api/v1/async", [](Request&, Responder respond) {
      std::thread([respond] { respond(Response::Text("later")); }).detach();
    });
    router_.HandleStream("GET", "/api/v1/events",
                         [this](Request&, std::shared_ptr<ResponseStream> s) -> Result<Response> {
                           s->SetOnClose([this] { stream_closed_.Set(); });
                           std::lock_guard<std::mutex> l(mu_);
                           stream_ = s;
                           stream_ready_.Set();
                           return Response::Text("", 200, "text/event-stream");
                         });
    router_.HandleWebSocket("/api/v1/ws/{id}",
                            [this](Request& req, std::shared_ptr<WebSocket> ws) -> Result<void> {
                              if (req.Param("id") == "forbidden") {
                                return Error(ErrorCode::kPermissionDenied, "not yours");
                              }
                              std::weak_ptr<WebSocket> weak = ws;
                              ws->SetOnMessage([weak](std::string_view data, bool binary) {
                                auto s = weak.lock();
                                if (!s) return;
                                if (data == "close") return s->Close(4000, "bye");
                                std::string reply = "echo:" + std::string(data);
                                binary ? s->SendBinary(reply) : s->SendText(reply);
                              });
                              ws->SetOnClose([this](uint16_t code, std::string_view) {
                                ws_close_code_ = code;
                                ws_closed_.Set();
                              });
                              ws->SendText("welcome " + std::string(req.Param("id")));
                              std::lock_guard<std::mutex> l(mu_);
                              ws_ = ws;
                              return Ok();
                            });
    ASSERT_TRUE(MakeDirs(dir_ + "/www").ok());
    ASSERT_TRUE(WriteFile(dir_ + "/www/index.html", "<h1>console</h1>").ok());
    router_.SetFallback(StaticFilesHandler({.root = dir_ + "/www"}), {.public_route = true});
  }

  void TearDown() override { server_.reset(); }

  void StartServer(ServerOptions o = {}) {
    o.unix_path = sock_;
    o.tcp_port = 0;
    o.on_response = [this](const Request&, const Route* route, int status,
                           std::chrono::nanoseconds) {
      std::lock_guard<std::mutex> l(mu_);
      last_status_ = status;
      last_route_ = route ? route->pattern : "";
    };
    auto s = Server::Start(std::move(o), router_);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    server_ = std::move(*s);
  }

  std::unique_ptr<HttpClient> Client(std::string server) {
    auto c = HttpClient::Create({.server = std::move(server)});
    EXPECT_TRUE(c.ok());
    return std::move(*c);
  }
  std::string TcpUrl() { return "http://127.0.0.1:" + std::to_string(server_->tcp_port()); }

  TempDir tmp_;
  std::string dir_, sock_;
  Router router_;
  std::unique_ptr<Server> server_;
  std::mutex mu_;
  int last_status_ = 0;
  std::string last_route_;
  std::thread::id io_thread_, slow_thread_;
  Flag slow_started_, release_;
  std::shared_ptr<ResponseStream> stream_;
  Flag stream_ready_, stream_closed_;
  std::shared_ptr<WebSocket> ws_;
  Flag ws_closed_;
  std::atomic<int> ws_close_code_{0};
};

TEST_F(ServerTest, JsonOverUnixSocketAndTcpWithKeepAlive) {
  StartServer();
  struct stat st;
  ASSERT_EQ(stat(sock_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);

  auto unix_client = Client("unix://" + sock_);
  for (int i = 0; i < 3; ++i) {  // the same connection, kept alive
    auto j = unix_client->Call("GET", "/api/v1/hello/w%20orld?x=1");
    ASSERT_TRUE(j.ok()) << j.error().ToString();
    EXPECT_EQ((*j)["hello"], "w orld");
    EXPECT_EQ((*j)["q"], "1");
    EXPECT_EQ((*j)["transport"], "unix");
    EXPECT_EQ((*j)["uid"], static_cast<int64_t>(getuid()));
  }
  auto tcp_client = Client(TcpUrl());
  auto j = tcp_client->Call("GET", "/api/v1/hello/x");
  ASSERT_TRUE(j.ok()) << j.error().ToString();
  EXPECT_EQ((*j)["transport"], "tcp");
  Json body = {{"a", 1}};
  auto echoed = tcp_client->Send("POST", "/api/v1/echo", body.dump());
  ASSERT_TRUE(echoed.ok());
  EXPECT_EQ(echoed->status, 201);
  EXPECT_EQ(echoed->body, R"({"a":1})");
  std::lock_guard<std::mutex> l(mu_);
  EXPECT_EQ(last_status_, 201);
  EXPECT_EQ(last_route_, "/api/v1/echo");
}

TEST_F(ServerTest, ErrorsAreJsonWithTheRightStatus) {
  StartServer();
  auto c = Client(TcpUrl());
  auto r = c->Send("GET", "/api/v1/missing");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->body, R"({"error":{"code":"not_found","message":"lookup: no such thing"}})");
  auto call = c->Call("GET", "/api/v1/missing");
  ASSERT_FALSE(call.ok());
  EXPECT_EQ(call.error().code(), ErrorCode::kNotFound);

  r = c->Send("GET", "/api/v1/nope/nope");
  EXPECT_EQ(r->status, 404);
  r = c->Send("DELETE", "/api/v1/echo");
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(*r->headers.Get("Allow"), "POST");
  EXPECT_NE(r->body.find("method_not_allowed"), std::string::npos);

  r = c->Send("POST", "/api/v1/echo", "{\"a\":");
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("invalid_argument"), std::string::npos);
  r = c->Send("POST", "/api/v1/echo", std::string(65, ' '));
  EXPECT_EQ(r->status, 413);
  EXPECT_NE(r->body.find("payload_too_large"), std::string::npos);
  // A handler that throws on a wrong JSON type gets a 400, and the server
  // lives on.
  r = c->Send("GET", "/api/v1/throws");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
  r = c->Send("GET", "/api/v1/hello/again");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServerTest, MalformedHttpGets400AndHugeHeaders431) {
  StartServer();
  net::io_context ioc;
  auto raw = [&](const std::string& bytes) {
    net::local::stream_protocol::socket s(ioc);
    s.connect(net::local::stream_protocol::endpoint(sock_));
    net::write(s, net::buffer(bytes));
    std::string out;
    boost::system::error_code ec;
    char buf[4096];
    for (;;) {
      size_t n = s.read_some(net::buffer(buf), ec);
      if (ec) break;
      out.append(buf, n);
    }
    return out;
  };
  EXPECT_EQ(raw("GARBAGE\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  std::string big =
      "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(32 * 1024, 'a') + "\r\n\r\n";
  EXPECT_EQ(raw(big).rfind("HTTP/1.1 431", 0), 0u);
  EXPECT_EQ(raw("GET nopath HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
}

// Upload routes stream their body into a file, past the 1 MiB every other
// route keeps, after the middleware accepted the request; a slow upload is
// timed per chunk, not as a whole.
TEST_F(ServerTest, SpooledUploadsStreamPastTheDefaultLimit) {
  ASSERT_TRUE(MakeDirs(dir_ + "/spool").ok());
  std::atomic<int> middleware_calls{0};
  router_.Use([&](Request& req, const Route& route) -> Result<void> {
    if (route.pattern != "/api/v1/upload") return Ok();
    ++middleware_calls;
    if (req.headers.Get("X-Deny")) return Error(ErrorCode::kPermissionDenied, "denied");
    return Ok();
  });
  router_.Handle("POST", "/api/v1/upload",
                 [](Request& req) -> Result<Response> {
                   auto data = VMI_TRY(ReadFile(req.body_file, 8 << 20));
                   Json j = {{"bytes", data.size()}, {"in_memory", req.body.size()}};
                   return Response::JsonBody(j, 201);
                 },
                 {.max_body_bytes = 4 << 20, .spool_dir = dir_ + "/spool"});
  router_.Handle("POST", "/api/v1/plain",
                 [](Request& req) -> Result<Response> { return Response::Text(req.body); });
  ServerOptions o;
  o.header_timeout = std::chrono::seconds(1);
  o.idle_timeout = std::chrono::seconds(2);
  StartServer(o);
  auto c = Client(TcpUrl());
  auto r = c->Send("POST", "/api/v1/upload", std::string(3 << 20, 'u'));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 201) << r->body;
  EXPECT_EQ(Json::parse(r->body)["bytes"], 3 << 20);
  EXPECT_EQ(Json::parse(r->body)["in_memory"], 0);
  // Raw requests over the Unix socket: the header, then body pieces written
  // until the server stops reading, then its answer.
  auto raw = [&](const std::string& head, const std::string& piece, size_t pieces,
                 int gap_ms = 0) {
    net::io_context ioc;
    net::local::stream_protocol::socket s(ioc);
    s.connect(net::local::stream_protocol::endpoint(sock_));
    net::write(s, net::buffer(head));
    boost::system::error_code ec;
    for (size_t i = 0; i < pieces && !ec; ++i) {
      if (gap_ms) std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms));
      net::write(s, net::buffer(piece), ec);
    }
    std::string out;
    char buf[4096];
    for (size_t n; (n = s.read_some(net::buffer(buf), ec)), !ec;) out.append(buf, n);
    return out;
  };
  // The same size announced to an ordinary route: 413 from the header alone.
  std::string out = raw("POST /api/v1/plain HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                            std::to_string(3 << 20) + "\r\n\r\n",
                        "", 0);
  EXPECT_EQ(out.rfind("HTTP/1.1 413", 0), 0u) << out;
  // Over the upload route's own limit, announced: 413 at once; sent chunked
  // (no length): 413 when the limit is crossed, nothing left in the spool.
  out = raw("POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                std::to_string(5 << 20) + "\r\n\r\n",
            "", 0);
  EXPECT_EQ(out.rfind("HTTP/1.1 413", 0), 0u) << out;
  std::string piece(64 << 10, 'c');
  out = raw("POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
            "10000\r\n" + piece + "\r\n", 80);
  EXPECT_EQ(out.rfind("HTTP/1.1 413", 0), 0u) << out;
  auto left = ListDirectory(dir_ + "/spool");
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty()) << ::testing::PrintToString(*left);
  // Refused by the middleware before a body byte is spooled.
  int before = middleware_calls;
  out = raw("POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nX-Deny: 1\r\nContent-Length: " +
                std::to_string(1 << 20) + "\r\n\r\n",
            "", 0);
  EXPECT_EQ(out.rfind("HTTP/1.1 403", 0), 0u) << out;
  EXPECT_EQ(middleware_calls, before + 1);

  // 3 s in 100 KB pieces, 300 ms apart: longer than both timeouts as a
  // whole, but each piece comes in time.
  const size_t piece_size = 100 << 10, pieces = 10;
  out = raw("POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " +
                std::to_string(piece_size * pieces) + "\r\n\r\n",
            std::string(piece_size, 's'), pieces, 300);
  EXPECT_EQ(out.rfind("HTTP/1.1 201", 0), 0u) << out;
  EXPECT_NE(out.find("\"bytes\":" + std::to_string(piece_size * pieces)), std::string::npos)
      << out;
}

TEST_F(ServerTest, BlockingHandlerRunsOnWorkerWithoutStallingTheLoop) {
  StartServer();
  std::string slow_result;
  std::thread slow([&] {
    auto c = Client(TcpUrl());
    auto r = c->Send("GET", "/api/v1/slow");
    if (r.ok()) slow_result = r->body;
  });
  ASSERT_TRUE(slow_started_.Wait());
  // The slow handler holds a worker; the io thread must still answer.
  auto c = Client("unix://" + sock_);
  auto r = c->Send("GET", "/api/v1/thread");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "io");
  r = c->Send("POST", "/api/v1/release");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 204);
  slow.join();
  EXPECT_EQ(slow_result, "released");
  EXPECT_NE(slow_thread_, io_thread_);
  EXPECT_NE(slow_thread_, std::this_thread::get_id());
}

TEST_F(ServerTest, AsyncHandlerRespondsFromAnotherThread) {
  StartServer();
  auto c = Client(TcpUrl());
  auto r = c->Send("GET", "/api/v1/async");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "later");
}

TEST_F(ServerTest, ServerSentEventsStreamAndDetectDisconnect) {
  StartServer();
  std::thread producer([&] {
    ASSERT_TRUE(stream_ready_.Wait());
    std::lock_guard<std::mutex> l(mu_);
    EXPECT_TRUE(stream_->SendEvent("state", "{\"id\":\"a1\",\"state\":\"running\"}", "1"));
    EXPECT_TRUE(stream_->SendEvent("state", "line1\nline2", "2"));
    stream_->Close();
  });
  auto c = Client("unix://" + sock_);
  std::vector<SseParser::Event> events;
  SseParser parser([&](const SseParser::Event& e) { events.push_back(e); });
  auto status = c->Stream("GET", "/api/v1/events", [&](std::string_view d) {
    parser.Feed(d);
    return true;
  });
  producer.join();
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(*status, 200);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event, "state");
  EXPECT_EQ(events[0].id, "1");
  EXPECT_EQ(Json::parse(events[0].data)["state"], "running");
  EXPECT_EQ(events[1].data, "line1\nline2");
  EXPECT_TRUE(stream_closed_.Wait());
  EXPECT_FALSE(stream_->Write("more"));
}

TEST_F(ServerTest, StreamNoticesClientDisconnect) {
  StartServer();
  std::thread client([&] {
    auto c = Client(TcpUrl());
    (void)c->Stream("GET", "/api/v1/events", [&](std::string_view) { return false; });
  });
  ASSERT_TRUE(stream_ready_.Wait());
  {
    std::lock_guard<std::mutex> l(mu_);
    stream_->SendComment("hello");  // the client stops after this piece
  }
  client.join();
  EXPECT_TRUE(stream_closed_.Wait());
  std::lock_guard<std::mutex> l(mu_);
  EXPECT_FALSE(stream_->is_open());
}

TEST_F(ServerTest, WebSocketEchoCloseAndRefusal) {
  StartServer();
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws(ioc);
  net::ip::tcp::endpoint ep(net::ip::make_address("127.0.0.1"), server_->tcp_port());
  beast::get_lowest_layer(ws).connect(ep);
  ws.handshake("127.0.0.1", "/api/v1/ws/a1");
  beast::flat_buffer buf;
  ws.read(buf);
  EXPECT_EQ(beast::buffers_to_string(buf.data()), "welcome a1");
  buf.clear();
  ws.binary(true);
  ws.write(net::buffer(std::string("\x01\x02", 2)));
  ws.read(buf);
  EXPECT_TRUE(ws.got_binary());
  EXPECT_EQ(beast::buffers_to_string(buf.data()), std::string("echo:\x01\x02", 7));
  buf.clear();
  ws.text(true);
  ws.write(net::buffer(std::string("close")));
  boost::system::error_code ec;
  ws.read(buf, ec);
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(ws.reason().code, 4000);
  EXPECT_EQ(std::string(ws.reason().reason.data(), ws.reason().reason.size()), "bye");
  EXPECT_TRUE(ws_closed_.Wait());
  EXPECT_FALSE(ws_->is_open());
  EXPECT_FALSE(ws_->SendText("late"));

  // A refused upgrade is a plain HTTP error.
  {
    net::ip::tcp::socket s(ioc);
    s.connect(ep);
    std::string req =
        "GET /api/v1/ws/forbidden HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
        "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    net::write(s, net::buffer(req));
    beast::flat_buffer b;
    beast::http::response<beast::http::string_body> res;
    beast::http::read(s, b, res, ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(res.result_int(), 403u);
    EXPECT_NE(res.body().find("permission_denied"), std::string::npos);
  }
  // A plain GET on a WebSocket route asks for the upgrade.
  auto c = Client(TcpUrl());
  auto r = c->Send("GET", "/api/v1/ws/a1");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 426);
}

TEST_F(ServerTest, WebSocketOverUnixSocketIsClosedOnStop) {
  StartServer();
  net::io_context ioc;
  websocket::stream<beast::basic_stream<net::local::stream_protocol>> ws(ioc);
  beast::get_lowest_layer(ws).connect(net::local::stream_protocol::endpoint(sock_));
  ws.handshake("localhost", "/api/v1/ws/u1");
  beast::flat_buffer buf;
  ws.read(buf);
  EXPECT_EQ(beast::buffers_to_string(buf.data()), "welcome u1");
  // Many sends queue; queued_bytes reflects what is not yet written.
  {
    std::lock_guard<std::mutex> l(mu_);
    EXPECT_TRUE(ws_->is_open());
    for (int i = 0; i < 10; ++i)
      ws_->SendBinaryShared(std::make_shared<const std::string>(1000, 'x'));
    EXPECT_LE(ws_->queued_bytes(), 10010u);  // + the welcome, maybe not yet accounted
  }
  server_->Stop();
  EXPECT_TRUE(ws_closed_.Wait());
  EXPECT_EQ(ws_close_code_.load(), 1001);
  EXPECT_FALSE(ws_->SendText("after stop"));
}

// The handoff hook gives a WebSocket's socket to a second, adopt-only server
// (what the daemon does with a device host): the client talks to the second
// server over the same connection, over TCP and over the Unix socket; what
// the middleware or the hook refuses is answered by the first; routes the
// hook declines are served as usual.
TEST_F(ServerTest, WebSocketHandoffToAnAdoptOnlyServer) {
  Router inner;
  inner.HandleWebSocket("/api/v1/handoff/{id}",
                        [](Request& req, std::shared_ptr<WebSocket> ws) -> Result<void> {
                          std::string hello = "inner " + std::string(req.Param("id")) + " " +
                                              req.Query("q").value_or("-");
                          WebSocket* raw = ws.get();
                          ws->SetOnMessage([raw](std::string_view data, bool) {
                            raw->SendText("inner echo:" + std::string(data));
                          });
                          ws->SetOnClose([ws](uint16_t, std::string_view) {});
                          ws->SendText(hello);
                          return Ok();
                        });
  auto adopted = Server::Start({.adopt_only = true}, inner);
  ASSERT_TRUE(adopted.ok()) << adopted.error().ToString();
  router_.HandleWebSocket("/api/v1/handoff/{id}",
                          [](Request&, std::shared_ptr<WebSocket>) -> Result<void> {
                            return Error(ErrorCode::kInternal, "not handed off");
                          });
  std::atomic<int> handed{0};
  ServerOptions o;
  o.handoff = [&](Request& req, const Route& route, HandedOffSocket& s) -> Result<bool> {
    if (route.pattern != "/api/v1/handoff/{id}") return false;
    if (req.Param("id") == "forbidden") return Error(ErrorCode::kPermissionDenied, "not yours");
    EXPECT_EQ(s.head.rfind("GET /api/v1/handoff/", 0), 0u) << s.head;
    ++handed;
    auto r = (*adopted)->Adopt(std::move(s.fd), std::move(s.head));
    if (!r.ok()) return std::move(r).error();
    return true;
  };
  StartServer(o);
  net::io_context ioc;
  {
    websocket::stream<beast::tcp_stream> ws(ioc);
    beast::get_lowest_layer(ws).connect(
        net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->tcp_port()));
    ws.handshake("127.0.0.1", "/api/v1/handoff/t1?q=x");
    beast::flat_buffer buf;
    ws.read(buf);
    EXPECT_EQ(beast::buffers_to_string(buf.data()), "inner t1 x");
    buf.clear();
    ws.write(net::buffer(std::string("ping")));
    ws.read(buf);
    EXPECT_EQ(beast::buffers_to_string(buf.data()), "inner echo:ping");
    // The first server holds nothing of it any more: stopping it leaves the
    // connection working.
    server_->Stop();
    buf.clear();
    ws.write(net::buffer(std::string("still")));
    ws.read(buf);
    EXPECT_EQ(beast::buffers_to_string(buf.data()), "inner echo:still");
    ws.close(websocket::close_code::normal);
  }
  server_.reset();
  StartServer(o);
  {
    websocket::stream<beast::basic_stream<net::local::stream_protocol>> ws(ioc);
    beast::get_lowest_layer(ws).connect(net::local::stream_protocol::endpoint(sock_));
    ws.handshake("localhost", "/api/v1/handoff/u1");
    beast::flat_buffer buf;
    ws.read(buf);
    EXPECT_EQ(beast::buffers_to_string(buf.data()), "inner u1 -");
  }
  {
    // Declined by the hook: the route's own WebSocket.
    websocket::stream<beast::tcp_stream> ws(ioc);
    beast::get_lowest_layer(ws).connect(
        net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->tcp_port()));
    ws.handshake("127.0.0.1", "/api/v1/ws/w1");
    beast::flat_buffer buf;
    ws.read(buf);
    EXPECT_EQ(beast::buffers_to_string(buf.data()), "welcome w1");
  }
  {
    net::ip::tcp::socket s(ioc);
    s.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->tcp_port()));
    std::string req =
        "GET /api/v1/handoff/forbidden HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
        "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    net::write(s, net::buffer(req));
    beast::flat_buffer b;
    beast::http::response<beast::http::string_body> res;
    boost::system::error_code ec;
    beast::http::read(s, b, res, ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(res.result_int(), 403u);
  }
  EXPECT_EQ(handed.load(), 2);
}

TEST_F(ServerTest, SlowWebSocketReaderIsDisconnectedAtTheCap) {
  StartServer({.ws_max_queued_bytes = 1 << 20});
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws(ioc);
  beast::get_lowest_layer(ws).connect(
      net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->tcp_port()));
  ws.handshake("127.0.0.1", "/api/v1/ws/slow");
  // The client never reads; the server queues until the cap, then closes.
  auto chunk = std::make_shared<const std::string>(64 * 1024, 'v');
  int accepted = 0;
  for (int i = 0; i < 2000; ++i) {
    std::lock_guard<std::mutex> l(mu_);
    if (!ws_->SendBinaryShared(chunk)) break;
    ++accepted;
  }
  EXPECT_LT(accepted, 2000);
  EXPECT_TRUE(ws_closed_.Wait());
}

TEST_F(ServerTest, StaticFallbackAndHead) {
  StartServer();
  auto c = Client(TcpUrl());
  auto r = c->Send("GET", "/instances/a1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "<h1>console</h1>");
  r = c->Send("HEAD", "/index.html");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "");
  EXPECT_EQ(*r->headers.Get("Content-Length"), "16");
  r = c->Send("GET", "/%2e%2e/%2e%2e/etc/passwd");
  EXPECT_EQ(r->status, 404);
  r = c->Send("POST", "/index.html");
  EXPECT_EQ(r->status, 404);
}

TEST_F(ServerTest, Tls) {
  std::string cert = dir_ + "/cert.pem", key = dir_ + "/key.pem";
  auto gen =
      RunChecked({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                  "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                  "-keyout", key, "-out", cert});
  ASSERT_TRUE(gen.ok()) << gen.error().ToString();
  StartServer({.tls_cert_file = cert, .tls_key_file = key});
  std::string url = "https://127.0.0.1:" + std::to_string(server_->tcp_port());
  auto verified = HttpClient::Create({.server = url, .ca_file = cert});
  ASSERT_TRUE(verified.ok());
  auto j = (*verified)->Call("GET", "/api/v1/hello/tls");
  ASSERT_TRUE(j.ok()) << j.error().ToString();
  EXPECT_EQ((*j)["hello"], "tls");
  // Without trusting the certificate the handshake fails.
  auto untrusted = HttpClient::Create({.server = url});
  ASSERT_TRUE(untrusted.ok());
  auto bad = (*untrusted)->Call("GET", "/api/v1/hello/tls");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kUnavailable);
  // Plain HTTP to the TLS port gets nothing useful.
  auto plain = Client("http://127.0.0.1:" + std::to_string(server_->tcp_port()));
  EXPECT_FALSE(plain->Call("GET", "/api/v1/hello/x").ok());
  // The Unix socket stays plain.
  auto local = Client("unix://" + sock_);
  EXPECT_TRUE(local->Call("GET", "/api/v1/hello/x").ok());
}

// Over TLS the handoff hook gets one end of a socket pair and the server
// relays the decrypted bytes: the WebSocket is served by the adopt-only
// server all the same, and the attachment given to Adopt lives exactly as
// long as the connection.
TEST_F(ServerTest, TlsWebSocketHandoffThroughTheRelay) {
  std::string cert = dir_ + "/cert.pem", key = dir_ + "/key.pem";
  auto gen =
      RunChecked({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                  "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                  "-keyout", key, "-out", cert});
  ASSERT_TRUE(gen.ok()) << gen.error().ToString();
  Router inner;
  inner.HandleWebSocket("/api/v1/handoff/{id}",
                        [](Request& req, std::shared_ptr<WebSocket> ws) -> Result<void> {
                          EXPECT_NE(req.peer.attachment, nullptr);
                          WebSocket* raw = ws.get();
                          ws->SetOnMessage([raw](std::string_view data, bool) {
                            raw->SendText("inner echo:" + std::string(data));
                          });
                          ws->SetOnClose([ws](uint16_t, std::string_view) {});
                          ws->SendText("inner " + std::string(req.Param("id")));
                          return Ok();
                        });
  auto adopted = Server::Start({.adopt_only = true}, inner);
  ASSERT_TRUE(adopted.ok()) << adopted.error().ToString();
  router_.HandleWebSocket("/api/v1/handoff/{id}",
                          [](Request&, std::shared_ptr<WebSocket>) -> Result<void> {
                            return Error(ErrorCode::kInternal, "not handed off");
                          });
  std::weak_ptr<void> lease;
  std::mutex lease_mu;
  ServerOptions o;
  o.tls_cert_file = cert;
  o.tls_key_file = key;
  o.handoff = [&](Request&, const Route& route, HandedOffSocket& s) -> Result<bool> {
    if (route.pattern != "/api/v1/handoff/{id}") return false;
    EXPECT_EQ(s.head.rfind("GET /api/v1/handoff/", 0), 0u) << s.head;
    auto held = std::make_shared<int>(1);
    {
      std::lock_guard l(lease_mu);
      lease = held;
    }
    auto r = (*adopted)->Adopt(std::move(s.fd), std::move(s.head), std::move(held));
    if (!r.ok()) return std::move(r).error();
    return true;
  };
  StartServer(o);
  net::io_context ioc;
  net::ssl::context ctx(net::ssl::context::tls_client);
  ctx.load_verify_file(cert);
  ctx.set_verify_mode(net::ssl::verify_peer);
  {
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(ioc, ctx);
    beast::get_lowest_layer(ws).connect(
        net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->tcp_port()));
    ws.next_layer().handshake(net::ssl::stream_base::client);
    ws.handshake("127.0.0.1", "/api/v1/handoff/t1");
    beast::flat_buffer buf;
    ws.read(buf);
    EXPECT_EQ(beast::buffers_to_string(buf.data()), "inner t1");
    // A message larger than the relay's buffers crosses in pieces.
    std::string big(100 * 1024, 'b');
    buf.clear();
    ws.write(net::buffer(big));
    ws.read(buf);
    EXPECT_EQ(beast::buffers_to_string(buf.data()), "inner echo:" + big);
    {
      std::lock_guard l(lease_mu);
      EXPECT_FALSE(lease.expired());
    }
    ws.close(websocket::close_code::normal);
  }
  // The inner connection ends, and with it the attachment.
  bool expired = false;
  for (int i = 0; i < 200 && !expired; ++i) {
    {
      std::lock_guard l(lease_mu);
      expired = lease.expired();
    }
    if (!expired) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(expired);
}

TEST(ServerOptionsTest, RefusesNoListenerAndHalfTls) {
  Router r;
  EXPECT_FALSE(Server::Start({}, r).ok());
  auto s = Server::Start({.tcp_port = 0, .tls_cert_file = "/nonexistent"}, r);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
}

TEST(SseParserTest, SplitsAcrossFeeds) {
  std::vector<SseParser::Event> ev;
  SseParser p([&](const SseParser::Event& e) { ev.push_back(e); });
  p.Feed("event: a\nda");
  p.Feed("ta: 1\r\n: comment\ndata: 2\n");
  EXPECT_TRUE(ev.empty());
  p.Feed("\ndata: x\n\n");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].event, "a");
  EXPECT_EQ(ev[0].data, "1\n2");
  EXPECT_EQ(ev[1].event, "message");
}

}  // namespace
}  // namespace vmi::api
