#include "api/http/socket_bridge.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <deque>
#include <string>
#include <vector>

namespace vmi::api {
namespace {

constexpr size_t kMaxQueued = 1 << 20;

void Wake(int fd) {
  uint64_t one = 1;
  (void)!write(fd, &one, sizeof one);
}

}  // namespace

// One bridge. The WebSocket's callbacks hold it weakly (the WebSocket is
// held here: a strong reference back would keep both alive forever).
struct SocketBridges::Link {
  std::shared_ptr<WebSocket> ws;
  std::function<Result<UniqueFd>()> connect;
  UniqueFd socket;
  UniqueFd wake{eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
  std::mutex mu;
  std::deque<std::string> to_socket;  // guarded by mu
  size_t queued = 0;                  // guarded by mu
  bool ws_closed = false;             // guarded by mu

  void Run(int stop);
};

void SocketBridges::Link::Run(int stop) {
  auto connected = connect();
  if (!connected.ok()) {
    std::string why = connected.error().message();
    ws->Close(1011, why.substr(0, 120));
    return;
  }
  socket = std::move(*connected);
  std::vector<char> buf(64 * 1024);
  bool socket_open = true;
  while (socket_open) {
    // Reading the socket waits while the client is behind.
    bool behind = ws->queued_bytes() > kMaxQueued;
    pollfd fds[3] = {{wake.get(), POLLIN, 0},
                     {stop, POLLIN, 0},
                     {socket.get(), static_cast<short>(behind ? 0 : POLLIN), 0}};
    if (poll(fds, 3, behind ? 10 : -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents) break;
    if (fds[0].revents) {
      uint64_t n;
      (void)!read(wake.get(), &n, sizeof n);
      std::deque<std::string> out;
      bool closed;
      {
        std::lock_guard lock(mu);
        out.swap(to_socket);
        queued = 0;
        closed = ws_closed;
      }
      for (const auto& m : out)
        if (!SendAll(socket.get(), m)) socket_open = false;
      if (closed) break;
    }
    if (socket_open && (fds[2].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = recv(socket.get(), buf.data(), buf.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        socket_open = false;
      } else if (!ws->SendBinary(std::string(buf.data(), static_cast<size_t>(n)))) {
        break;
      }
    }
  }
  shutdown(socket.get(), SHUT_RDWR);
  ws->Close(1000, socket_open ? "" : "the server closed the connection");
}

void SocketBridges::Bridge(std::shared_ptr<WebSocket> ws,
                           std::function<Result<UniqueFd>()> connect) {
  auto link = std::make_shared<Link>();
  link->ws = ws;
  link->connect = std::move(connect);
  std::weak_ptr<Link> weak = link;
  ws->SetOnMessage([weak](std::string_view data, bool) {
    auto l = weak.lock();
    if (!l) return;
    {
      std::lock_guard lock(l->mu);
      if (l->queued + data.size() > kMaxQueued) {
        l->ws->Close(1008, "the server is not reading");
        return;
      }
      l->queued += data.size();
      l->to_socket.emplace_back(data);
    }
    Wake(l->wake.get());
  });
  ws->SetOnClose([weak](uint16_t, std::string_view) {
    auto l = weak.lock();
    if (!l) return;
    {
      std::lock_guard lock(l->mu);
      l->ws_closed = true;
    }
    Wake(l->wake.get());
  });
  workers_.Spawn("vmi-bridge", [link](int stop) { link->Run(stop); });
}

}  // namespace vmi::api
