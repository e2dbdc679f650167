// SocketBridges and HttpClient::Tunnel together: a local socket, through the
// client's WebSocket and the server's bridge, to a server-side socket, byte
// for byte both ways (how `vmi vnc --listen` reaches a VNC server).
#include "api/http/socket_bridge.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "api/http/client.h"
#include "api/http/server.h"

namespace vmi::api {
namespace {

std::pair<UniqueFd, UniqueFd> Pair() {
  int fds[2];
  EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

std::string ReadN(int fd, size_t n) {
  std::string got;
  char buf[65536];
  while (got.size() < n) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 10000) != 1) break;
    ssize_t r = read(fd, buf, sizeof buf);
    if (r <= 0) break;
    got.append(buf, static_cast<size_t>(r));
  }
  return got;
}

TEST(SocketBridgeTest, TunnelCarriesBytesBothWaysAndEnds) {
  auto [far, far_peer] = Pair();  // far: what the bridge connects to
  auto shared_peer = std::make_shared<UniqueFd>(std::move(far_peer));
  SocketBridges bridges;
  Router router;
  router.HandleWebSocket("/bridge", [&bridges, shared_peer](Request&, std::shared_ptr<WebSocket> ws)
                                        -> Result<void> {
    bridges.Bridge(std::move(ws), [shared_peer]() -> Result<UniqueFd> { return std::move(*shared_peer); });
    return Ok();
  });
  router.HandleWebSocket("/refused", [&bridges](Request&, std::shared_ptr<WebSocket> ws) -> Result<void> {
    bridges.Bridge(std::move(ws), []() -> Result<UniqueFd> {
      return Error(ErrorCode::kUnavailable, "nothing listens");
    });
    return Ok();
  });
  auto server = Server::Start({.tcp_host = "127.0.0.1", .tcp_port = 0}, router);
  ASSERT_TRUE(server.ok()) << server.error().ToString();
  std::string url = "http://127.0.0.1:" + std::to_string((*server)->tcp_port());

  auto [local, user] = Pair();  // local: the tunnel's end; user: the VNC client's
  Result<void> tunnel_result = Ok();
  std::thread tunnel([&, fd = std::make_shared<UniqueFd>(std::move(local))] {
    auto c = HttpClient::Create({.server = url});
    ASSERT_TRUE(c.ok());
    tunnel_result = (*c)->Tunnel("/bridge", std::move(*fd));
  });
  // Client to server, in pieces, with every byte value.
  std::string up;
  for (int i = 0; i < 70000; ++i) up.push_back(static_cast<char>(i * 7));
  ASSERT_EQ(write(user.get(), up.data(), up.size()), static_cast<ssize_t>(up.size()));
  EXPECT_EQ(ReadN(far.get(), up.size()), up);
  std::string down = "RFB 003.008\n";
  ASSERT_EQ(write(far.get(), down.data(), down.size()), static_cast<ssize_t>(down.size()));
  EXPECT_EQ(ReadN(user.get(), down.size()), down);
  EXPECT_EQ(bridges.active(), 1);
  // The server side closing ends the tunnel and the client's socket.
  far.reset();
  tunnel.join();
  EXPECT_TRUE(tunnel_result.ok()) << tunnel_result.error().ToString();
  EXPECT_EQ(ReadN(user.get(), 1), "");

  // A connect that fails: the WebSocket closes, the tunnel returns.
  auto [local2, user2] = Pair();
  auto c = HttpClient::Create({.server = url});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE((*c)->Tunnel("/refused", std::move(local2)).ok());
  EXPECT_EQ(ReadN(user2.get(), 1), "");
  // No such route: the upgrade is refused with the server's status.
  auto [local3, user3] = Pair();
  auto missing = (*c)->Tunnel("/nowhere", std::move(local3));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("404"), std::string::npos) << missing.error().ToString();
  (*server)->Stop();
}

}  // namespace
}  // namespace vmi::api
