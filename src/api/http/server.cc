#include "api/http/server.h"

#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <future>

#include "api/http/http_connection.h"
#include "api/http/server_impl.h"
#include "base/file.h"
#include "base/log.h"

namespace vmi::api {

namespace {
using tcp = net::ip::tcp;
using local = net::local::stream_protocol;

Error NetError(const std::string& what, const boost::system::error_code& ec) {
  return Error(ec.value() == EADDRINUSE ? ErrorCode::kAlreadyExists : ErrorCode::kUnavailable,
               what + ": " + ec.message(), ec.value());
}

// The key connections are counted under: the address of a TCP peer, the
// uid of a Unix-socket peer.
std::string ClientKey(const PeerInfo& peer) {
  if (peer.transport == PeerInfo::Transport::kUnix) return "uid:" + std::to_string(peer.uid);
  return peer.address;
}

std::string BusyResponse(const std::string& message) {
  std::string body = Json{{"error", {{"code", "unavailable"}, {"message", message}}}}.dump();
  return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
         "Connection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Over a cap: a short answer written without waiting (the socket is fresh,
// its send buffer empty), then close. The socket is the lowest layer, so a
// TLS client just sees the connection end.
template <class Socket>
void Refuse(Socket& socket, ConnectionLimiter::Refusal why, bool plain) {
  boost::system::error_code ec;
  if (plain) {
    static const std::string kTotal = BusyResponse("too many connections to the server");
    static const std::string kPerClient = BusyResponse("too many connections from this client");
    const std::string& text = why == ConnectionLimiter::Refusal::kTotal ? kTotal : kPerClient;
    socket.non_blocking(true, ec);
    socket.write_some(net::buffer(text), ec);
  }
  socket.close(ec);
}

template <class Stream>
void StartConnection(Server::Impl* impl, Stream stream, PeerInfo peer, std::string head = "") {
  ConnectionLimiter::Refusal why;
  auto slot = impl->limiter->TryAcquire(ClientKey(peer), &why);
  if (!slot) return Refuse(beast::get_lowest_layer(stream).socket(), why, !kIsTls<Stream>);
  auto conn = std::make_shared<HttpConnection<Stream>>(impl, std::move(stream), std::move(peer),
                                                      std::move(slot));
  if (!impl->Register(conn)) return;
  if (!head.empty()) conn->Prefill(head);
  conn->Start();
}
}  // namespace

bool Server::Impl::Register(const std::shared_ptr<Connection>& c) {
  std::lock_guard<std::mutex> lock(mu);
  if (stopping) return false;
  // Forget finished connections now and then so the list stays small.
  if (connections.size() > 64 && (connections.size() & 63) == 0) {
    connections.remove_if([](const auto& w) { return w.expired(); });
  }
  connections.push_back(c);
  return true;
}

void Server::Impl::DoAcceptTcp() {
  tcp_acceptor->async_accept(
      net::make_strand(ioc), [this](boost::system::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted) return;
        if (!ec) {
          socket.set_option(tcp::no_delay(true), ec);
          if (tls) {
            TlsStream stream(std::move(socket), *tls);
            PeerInfo peer = PeerOf(beast::get_lowest_layer(stream), true);
            StartConnection(this, std::move(stream), std::move(peer));
          } else {
            TcpStream stream(std::move(socket));
            PeerInfo peer = PeerOf(stream, false);
            StartConnection(this, std::move(stream), std::move(peer));
          }
        } else {
          VMI_LOG(WARN) << "accept (tcp): " << ec.message();
        }
        DoAcceptTcp();
      });
}

void Server::Impl::DoAcceptUnix() {
  unix_acceptor->async_accept(
      net::make_strand(ioc), [this](boost::system::error_code ec, local::socket socket) {
        if (ec == net::error::operation_aborted) return;
        if (!ec) {
          UnixStream stream(std::move(socket));
          PeerInfo peer = PeerOf(stream, options.unix_path);
          StartConnection(this, std::move(stream), std::move(peer));
        } else {
          VMI_LOG(WARN) << "accept (unix): " << ec.message();
        }
        DoAcceptUnix();
      });
}

void Server::Impl::StopAll() {
  std::list<std::weak_ptr<Connection>> conns;
  {
    std::lock_guard<std::mutex> lock(mu);
    stopping = true;
    conns.swap(connections);
  }
  // Acceptors are closed on an io thread: they are not thread-safe objects.
  std::promise<void> closed;
  net::post(ioc, [this, &closed] {
    boost::system::error_code ec;
    if (tcp_acceptor) tcp_acceptor->close(ec);
    if (unix_acceptor) unix_acceptor->close(ec);
    closed.set_value();
  });
  if (!threads.empty()) closed.get_future().wait();
  for (auto& w : conns) {
    if (auto c = w.lock()) c->Shutdown();
  }
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

Result<std::unique_ptr<Server>> Server::Start(ServerOptions options, const Router& router) {
  if (options.io_threads < 1) options.io_threads = 1;
  if (options.worker_threads < 1) options.worker_threads = 1;
  if (options.unix_path.empty() && options.tcp_port < 0 && !options.adopt_only) {
    return Error(ErrorCode::kInvalidArgument, "server has neither a Unix socket nor a TCP port");
  }
  auto impl = std::make_unique<Impl>(options.io_threads);
  impl->limiter = std::make_shared<ConnectionLimiter>(options.max_connections,
                                                      options.max_connections_per_client);
  impl->options = std::move(options);
  impl->router = &router;
  const ServerOptions& o = impl->options;
  boost::system::error_code ec;

  if (!o.tls_cert_file.empty() || !o.tls_key_file.empty()) {
    if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
      return Error(ErrorCode::kInvalidArgument, "TLS needs both a certificate and a key file");
    }
    impl->tls.emplace(net::ssl::context::tls_server);
    impl->tls->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                           net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                           net::ssl::context::no_tlsv1_1);
    impl->tls->use_certificate_chain_file(o.tls_cert_file, ec);
    if (ec) return NetError("TLS certificate " + o.tls_cert_file, ec);
    impl->tls->use_private_key_file(o.tls_key_file, net::ssl::context::pem, ec);
    if (ec) return NetError("TLS key " + o.tls_key_file, ec);
  }

  if (o.tcp_port >= 0) {
    auto addr = net::ip::make_address(o.tcp_host, ec);
    if (ec) return NetError("listen address " + o.tcp_host, ec);
    tcp::endpoint ep(addr, static_cast<uint16_t>(o.tcp_port));
    auto acc = std::make_unique<tcp::acceptor>(impl->ioc);
    acc->open(ep.protocol(), ec);
    if (!ec) acc->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acc->bind(ep, ec);
    if (!ec) acc->listen(net::socket_base::max_listen_connections, ec);
    if (ec) return NetError("listen on " + o.tcp_host + ":" + std::to_string(o.tcp_port), ec);
    impl->bound_port = acc->local_endpoint().port();
    impl->tcp_acceptor = std::move(acc);
  }

  if (!o.unix_path.empty()) {
    struct stat st;
    if (lstat(o.unix_path.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode)) {
        return Error(ErrorCode::kAlreadyExists, o.unix_path + " exists and is not a socket");
      }
      unlink(o.unix_path.c_str());
    }
    auto slash = o.unix_path.rfind('/');
    if (slash != std::string::npos && slash > 0) {
      VMI_CHECK_OK(MakeDirs(o.unix_path.substr(0, slash)), "socket directory");
    }
    auto acc = std::make_unique<local::acceptor>(impl->ioc);
    local::endpoint ep(o.unix_path);
    acc->open(ep.protocol(), ec);
    if (!ec) acc->bind(ep, ec);
    if (!ec) acc->listen(net::socket_base::max_listen_connections, ec);
    if (ec) return NetError("listen on " + o.unix_path, ec);
    if (chmod(o.unix_path.c_str(), static_cast<mode_t>(o.unix_mode)) != 0) {
      return Error::FromErrno("chmod " + o.unix_path);
    }
    impl->unix_acceptor = std::move(acc);
  }

  impl->pool = std::make_unique<net::thread_pool>(static_cast<size_t>(o.worker_threads));
  impl->work.emplace(impl->ioc.get_executor());
  if (impl->tcp_acceptor) impl->DoAcceptTcp();
  if (impl->unix_acceptor) impl->DoAcceptUnix();
  for (int i = 0; i < o.io_threads; ++i) {
    Impl* raw = impl.get();
    raw->threads.emplace_back([raw, i] {
      std::string name = "vmi-http-" + std::to_string(i);
      pthread_setname_np(pthread_self(), name.c_str());
      raw->ioc.run();
    });
  }
  VMI_LOG(INFO) << "HTTP server listening"
                << (o.unix_path.empty() ? "" : " on " + o.unix_path)
                << (impl->tcp_acceptor ? std::string(impl->tls ? " https://" : " http://") +
                                             o.tcp_host + ":" + std::to_string(impl->bound_port)
                                       : "");
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

void Server::Stop() {
  if (!impl_ || impl_->stopped.exchange(true)) return;
  impl_->StopAll();
  // Blocking handlers finish; their responses are posted to closed sockets.
  impl_->pool->join();
  impl_->work.reset();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  if (!impl_->options.unix_path.empty()) unlink(impl_->options.unix_path.c_str());
}

Result<void> Server::Adopt(UniqueFd fd, std::string head, std::shared_ptr<void> attachment) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return Error::FromErrno("adopted connection");
  Impl* impl = impl_.get();
  boost::system::error_code ec;
  auto strand = net::make_strand(impl->ioc);
  if (addr.ss_family == AF_INET || addr.ss_family == AF_INET6) {
    tcp::socket socket(strand);
    socket.assign(addr.ss_family == AF_INET ? tcp::v4() : tcp::v6(), fd.get(), ec);
    if (ec) return NetError("adopt a TCP connection", ec);
    fd.release();
    socket.set_option(tcp::no_delay(true), ec);
    net::post(strand, [impl, socket = std::move(socket), head = std::move(head),
                       attachment = std::move(attachment)]() mutable {
      TcpStream stream(std::move(socket));
      PeerInfo peer = PeerOf(stream, false);
      peer.attachment = std::move(attachment);
      StartConnection(impl, std::move(stream), std::move(peer), std::move(head));
    });
    return Ok();
  }
  if (addr.ss_family == AF_UNIX) {
    local::socket socket(strand);
    socket.assign(local(), fd.get(), ec);
    if (ec) return NetError("adopt a Unix connection", ec);
    fd.release();
    net::post(strand, [impl, socket = std::move(socket), head = std::move(head),
                       attachment = std::move(attachment)]() mutable {
      UnixStream stream(std::move(socket));
      PeerInfo peer = PeerOf(stream, "adopted");
      peer.attachment = std::move(attachment);
      StartConnection(impl, std::move(stream), std::move(peer), std::move(head));
    });
    return Ok();
  }
  return Error(ErrorCode::kInvalidArgument, "adopted connection is neither TCP nor a Unix socket");
}

uint16_t Server::tcp_port() const { return impl_->bound_port; }

void Server::RunBlocking(std::function<void()> fn) { net::post(*impl_->pool, std::move(fn)); }

ConnectionStats Server::connection_stats() const { return impl_->limiter->stats(); }

}  // namespace vmi::api
