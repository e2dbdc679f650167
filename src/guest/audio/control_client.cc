#include "guest/audio/control_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

namespace vmi::audio {

Result<ControlClient> ControlClient::Connect(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path))
    return Error(ErrorCode::kInvalidArgument, "socket path too long: " + path, ENAMETOOLONG);
  std::memcpy(addr.sun_path, path.data(), path.size());
  UniqueFd fd(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!fd) return Error::FromErrno("socket");
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0)
    return Error::FromErrno("connect " + path);
  return ControlClient(std::move(fd));
}

Result<Reply> ControlClient::Request(const std::vector<uint8_t>& message) {
  if (gone_) return Error(ErrorCode::kUnavailable, "audio host is gone", ENODEV);
  auto parsed = ParseMessage(message);
  uint32_t seq = parsed.ok() ? parsed->seq : 0;
  if (send(fd_.get(), message.data(), message.size(), MSG_NOSIGNAL) < 0) {
    gone_ = true;
    return Error::FromErrno("send audio request", errno == EPIPE ? ENODEV : errno);
  }
  auto deadline = std::chrono::steady_clock::now() + kReplyTimeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      gone_ = true;  // a late reply would be mistaken for the next one
      return Error(ErrorCode::kDeadlineExceeded, "audio host did not reply", ETIMEDOUT);
    }
    pollfd pfd{fd_.get(), POLLIN, 0};
    int n = poll(&pfd, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::FromErrno("poll audio socket");
    if (n == 0) continue;
    uint8_t buf[kMaxMessageBytes];
    iovec iov{buf, sizeof(buf)};
    alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))];
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof(cbuf);
    ssize_t got = recvmsg(fd_.get(), &mh, MSG_TRUNC | MSG_CMSG_CLOEXEC);
    if (got < 0 && errno == EINTR) continue;
    fd_in_.reset();
    for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
          c->cmsg_len == CMSG_LEN(sizeof(int))) {
        int in;
        std::memcpy(&in, CMSG_DATA(c), sizeof(int));
        fd_in_ = UniqueFd(in);
      }
    }
    if (mh.msg_flags & MSG_CTRUNC) {
      gone_ = true;
      return Error(ErrorCode::kInternal, "too many fds from audio host", EPROTO);
    }
    if (got <= 0) {
      gone_ = true;
      return Error(ErrorCode::kUnavailable, "audio host closed the connection", ENODEV);
    }
    if (static_cast<size_t>(got) > sizeof(buf)) {
      gone_ = true;
      return Error(ErrorCode::kInternal, "oversized message from audio host", EPROTO);
    }
    auto m = ParseMessage(std::span<const uint8_t>(buf, got));
    if (!m.ok() || m->type != MsgType::kReply || m->seq != seq) {
      gone_ = true;
      return Error(ErrorCode::kInternal, "unexpected message from audio host", EPROTO);
    }
    return m->reply;
  }
}

bool ControlClient::HostGone() {
  if (gone_) return true;
  uint8_t b;
  ssize_t n = recv(fd_.get(), &b, 1, MSG_PEEK | MSG_DONTWAIT);
  // EOF, an error, or an unsolicited message all end the stream.
  if (n == 0 || n > 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
    gone_ = true;
  return gone_;
}

}  // namespace vmi::audio
