#include "devices/host/control_message.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vmi::devhost {
namespace {

void PutU32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

uint32_t GetU32(std::string_view s) {
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(s[i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

// Waits until `sock` is readable or the deadline passes.
Result<void> WaitReadable(int sock, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Error(ErrorCode::kDeadlineExceeded, "device host did not answer");
    pollfd p{sock, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(left.count()));
    if (r > 0) return Ok();
    if (r < 0 && errno != EINTR) return Error::FromErrno("poll the device host's socket");
  }
}

// Reads exactly n bytes; the first read may take a passed fd.
Result<void> ReadExact(int sock, char* buf, size_t n, UniqueFd* fd,
                       std::chrono::steady_clock::time_point deadline) {
  size_t got = 0;
  while (got < n) {
    VMI_CHECK_OK(WaitReadable(sock, deadline), "read");
    iovec iov{buf + got, n - got};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (fd) {
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
    }
    ssize_t r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    if (r < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return Error::FromErrno("read the device host's socket");
    }
    if (r == 0) return Error(ErrorCode::kUnavailable, "the device host closed the connection");
    if (fd) {
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
            c->cmsg_len == CMSG_LEN(sizeof(int))) {
          int passed;
          memcpy(&passed, CMSG_DATA(c), sizeof passed);
          *fd = UniqueFd(passed);
        }
      }
      if (msg.msg_flags & MSG_CTRUNC) return Error(ErrorCode::kInvalidArgument, "more than one fd");
      fd = nullptr;  // only with the first bytes
    }
    got += static_cast<size_t>(r);
  }
  return Ok();
}

}  // namespace

std::string EncodeTapBlock(const float* samples, int64_t timestamp_us) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "tap blocks are little-endian");
  std::string out(kTapBlockBytes, '\0');
  memcpy(out.data(), &timestamp_us, 8);
  memcpy(out.data() + 8, samples, kTapFrames * 2 * 4);
  return out;
}

int64_t DecodeTapBlock(const char* bytes, float* samples) {
  int64_t ts;
  memcpy(&ts, bytes, 8);
  memcpy(samples, bytes + 8, kTapFrames * 2 * 4);
  return ts;
}

std::string EncodePrefix(const Message& m) {
  std::string header = m.header.dump();
  std::string out;
  out.reserve(8 + header.size());
  PutU32(out, static_cast<uint32_t>(header.size()));
  PutU32(out, static_cast<uint32_t>(m.data.size()));
  out += header;
  return out;
}

Result<std::pair<uint32_t, uint32_t>> DecodePrefix(std::string_view prefix) {
  if (prefix.size() != 8) return Error(ErrorCode::kInvalidArgument, "message prefix is 8 bytes");
  uint32_t h = GetU32(prefix.substr(0, 4)), d = GetU32(prefix.substr(4, 4));
  if (h < 2 || h > kMaxHeader)
    return Error(ErrorCode::kInvalidArgument,
                 "message header of " + std::to_string(h) + " bytes (2.." +
                     std::to_string(kMaxHeader) + ")");
  if (d > kMaxData)
    return Error(ErrorCode::kInvalidArgument,
                 "message data of " + std::to_string(d) + " bytes exceeds " +
                     std::to_string(kMaxData));
  return std::make_pair(h, d);
}

Result<nlohmann::json> DecodeHeader(std::string_view header) {
  auto j = nlohmann::json::parse(header, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Error(ErrorCode::kInvalidArgument, "message header is not a JSON object");
  return j;
}

Result<void> SendMessage(int sock, const Message& m) {
  if (m.data.size() > kMaxData) return Error(ErrorCode::kInvalidArgument, "message data too large");
  std::string prefix = EncodePrefix(m);
  iovec iov[2] = {{prefix.data(), prefix.size()},
                  {const_cast<char*>(m.data.data()), m.data.size()}};
  size_t total = prefix.size() + m.data.size(), sent = 0;
  bool fd_pending = static_cast<bool>(m.fd);
  while (sent < total) {
    // Rebuild the iovec past what was sent.
    iovec cur[2];
    int n = 0;
    size_t skip = sent;
    for (auto& v : iov) {
      if (skip >= v.iov_len) {
        skip -= v.iov_len;
        continue;
      }
      cur[n++] = {static_cast<char*>(v.iov_base) + skip, v.iov_len - skip};
      skip = 0;
    }
    msghdr msg{};
    msg.msg_iov = cur;
    msg.msg_iovlen = static_cast<size_t>(n);
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    if (fd_pending) {
      memset(control, 0, sizeof control);
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      int fd = m.fd.get();
      memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    ssize_t r = sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (r < 0) {
      if (errno == EINTR) continue;
      return Error::FromErrno("write the device host's socket");
    }
    fd_pending = false;
    sent += static_cast<size_t>(r);
  }
  return Ok();
}

Result<Message> ReceiveMessage(int sock, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  Message m;
  char prefix[8];
  VMI_CHECK_OK(ReadExact(sock, prefix, sizeof prefix, &m.fd, deadline), "message prefix");
  auto [h, d] = VMI_TRY(DecodePrefix(std::string_view(prefix, 8)));
  std::string header(h, '\0');
  VMI_CHECK_OK(ReadExact(sock, header.data(), h, nullptr, deadline), "message header");
  m.header = VMI_TRY(DecodeHeader(header));
  m.data.resize(d);
  if (d) VMI_CHECK_OK(ReadExact(sock, m.data.data(), d, nullptr, deadline), "message data");
  return m;
}

Message OkReply(nlohmann::json fields, std::string data) {
  Message m;
  m.header = std::move(fields);
  m.header["ok"] = true;
  m.data = std::move(data);
  return m;
}

Message ErrorReply(const Error& e) {
  Message m;
  m.header = {{"ok", false}, {"code", ErrorCodeName(e.code())}, {"message", e.ToString()}};
  return m;
}

Result<void> ReplyStatus(const nlohmann::json& header) {
  auto ok = header.find("ok");
  if (ok != header.end() && ok->is_boolean() && ok->get<bool>()) return Ok();
  ErrorCode code = ErrorCode::kInternal;
  std::string name = header.value("code", "");
  for (int c = 0; c <= static_cast<int>(ErrorCode::kAborted); ++c) {
    if (name == ErrorCodeName(static_cast<ErrorCode>(c))) code = static_cast<ErrorCode>(c);
  }
  auto msg = header.find("message");
  return Error(code, msg != header.end() && msg->is_string() ? msg->get<std::string>()
                                                            : "device host error");
}

}  // namespace vmi::devhost
