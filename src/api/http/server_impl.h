// Internal to server.cc and the connection templates: the server's shared
// state. Not part of the api library's interface.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "api/http/server.h"

namespace vmi::api {

namespace net = boost::asio;

// Every live connection registers so Stop() can close it.
class Connection {
 public:
  virtual ~Connection() = default;
  // Closes the socket from the connection's strand. Thread-safe.
  virtual void Shutdown() = 0;
};

struct Server::Impl {
  ServerOptions options;
  const Router* router = nullptr;
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::unique_ptr<net::thread_pool> pool;
  std::optional<net::ssl::context> tls;
  std::unique_ptr<net::ip::tcp::acceptor> tcp_acceptor;
  std::unique_ptr<net::local::stream_protocol::acceptor> unix_acceptor;
  uint16_t bound_port = 0;
  std::vector<std::thread> threads;

  std::mutex mu;
  std::list<std::weak_ptr<Connection>> connections;  // guarded by mu
  bool stopping = false;                             // guarded by mu
  std::atomic<bool> stopped{false};
  std::shared_ptr<ConnectionLimiter> limiter;  // shared: slots keep it alive

  explicit Impl(int io_threads) : ioc(io_threads) {}

  // Registers a new connection; returns false (and the caller drops it) when
  // the server is stopping.
  bool Register(const std::shared_ptr<Connection>& c);
  void DoAcceptTcp();
  void DoAcceptUnix();
  void StopAll();
};

}  // namespace vmi::api
