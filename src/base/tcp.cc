#include "base/tcp.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace vmi {

Result<UniqueFd> ConnectTcp(const std::string& host, int port, std::chrono::milliseconds timeout) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (port <= 0 || port > 65535)
    return Error(ErrorCode::kInvalidArgument, "not a TCP port: " + std::to_string(port));
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof *v6;
  } else {
    return Error(ErrorCode::kInvalidArgument, "not an IP address: " + host);
  }
  UniqueFd fd(socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return Error::FromErrno("socket");
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS)
    return Error::FromErrno("connect " + host);
  pollfd p{fd.get(), POLLOUT, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) != 1)
    return Error(ErrorCode::kUnavailable, "connect " + host + ": timed out");
  int err = 0;
  socklen_t el = sizeof err;
  getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &el);
  if (err != 0) return Error(ErrorCode::kUnavailable, "connect " + host + ": " + strerror(err));
  fcntl(fd.get(), F_SETFL, fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
  return fd;
}

}  // namespace vmi
