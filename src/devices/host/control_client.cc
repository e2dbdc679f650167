#include "devices/host/control_client.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

namespace vmi::devhost {

Message Request(const std::string& op, nlohmann::json fields) {
  Message m;
  m.header = std::move(fields);
  m.header["op"] = op;
  return m;
}

namespace {

Result<UniqueFd> Exchange(const std::string& socket_path, const Message& request,
                          std::chrono::milliseconds timeout, Message* reply_out) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path)
    return Error(ErrorCode::kInvalidArgument, "socket path too long: " + socket_path);
  memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  UniqueFd sock(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock) return Error::FromErrno("socket");
  if (connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    return Error(ErrorCode::kUnavailable,
                 std::string("the instance's device host is not running (") + strerror(e) + ")", e);
  }
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  setsockopt(sock.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  VMI_CHECK_OK(SendMessage(sock.get(), request), "device host request");
  auto reply = VMI_TRY_CTX(ReceiveMessage(sock.get(), timeout), "device host reply");
  // The device host's own error, as it said it (its code maps to HTTP).
  if (auto status = ReplyStatus(reply.header); !status.ok()) return std::move(status).error();
  *reply_out = std::move(reply);
  return sock;
}

}  // namespace

Result<Message> Call(const std::string& socket_path, const Message& request,
                     std::chrono::milliseconds timeout) {
  Message reply;
  (void)VMI_TRY(Exchange(socket_path, request, timeout, &reply));
  return reply;
}

Result<UniqueFd> Open(const std::string& socket_path, const Message& request,
                      std::chrono::milliseconds timeout) {
  Message reply;
  return Exchange(socket_path, request, timeout, &reply);
}

}  // namespace vmi::devhost
