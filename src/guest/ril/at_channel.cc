#include "guest/ril/at_channel.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

namespace vmi::guest {

bool IsFinalResult(const std::string& l) {
  return l == "OK" || l == "ERROR" || l == "NO CARRIER" || l == "BUSY" || l == "NO ANSWER" ||
         l == "NO DIALTONE" || l.rfind("+CME ERROR:", 0) == 0 || l.rfind("+CMS ERROR:", 0) == 0;
}

Result<std::unique_ptr<AtChannel>> AtChannel::Open(const std::string& path,
                                                   Unsolicited unsolicited) {
  std::unique_ptr<AtChannel> c(new AtChannel());
  c->unsolicited_ = std::move(unsolicited);
  c->fd_ = UniqueFd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (!c->fd_ || path.size() >= sizeof(addr.sun_path))
    return Error(ErrorCode::kInvalidArgument, "bad modem socket " + path);
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (connect(c->fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
    return Error::FromErrno("connect " + path);
  c->reader_ = std::thread([raw = c.get()] { raw->ReadLoop(); });
  auto echo = c->Command("ATE0");
  if (!echo.ok()) return std::move(echo).error().Context("modem");
  return c;
}

AtChannel::~AtChannel() {
  shutdown(fd_.get(), SHUT_RDWR);
  if (reader_.joinable()) reader_.join();
}

void AtChannel::ReadLoop() {
  std::string buf;
  char chunk[4096];
  for (;;) {
    ssize_t n = read(fd_.get(), chunk, sizeof chunk);
    if (n <= 0) break;
    buf.append(chunk, static_cast<size_t>(n));
    for (;;) {
      {
        std::lock_guard lock(mu_);
        if (pending_ && buf.rfind("\r\n> ", 0) == 0) {
          buf.erase(0, 4);
          prompt_ = true;
          cv_.notify_all();
          continue;
        }
      }
      size_t nl = buf.find("\r\n");
      if (nl == std::string::npos) break;
      std::string line = buf.substr(0, nl);
      buf.erase(0, nl + 2);
      if (!line.empty()) OnLine(line);
    }
  }
  std::lock_guard lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

void AtChannel::OnLine(const std::string& line) {
  std::unique_lock lock(mu_);
  // +CMT and the like announce a PDU on the next line.
  if (!cmt_header_.empty()) {
    std::string header = std::move(cmt_header_);
    cmt_header_.clear();
    lock.unlock();
    unsolicited_(header, line);
    return;
  }
  // Lines only ever unsolicited; +CREG: is both (a command's answer while
  // one is pending).
  bool unsolicited_kind = line == "RING" || line.rfind("+CLIP:", 0) == 0 ||
                          line.rfind("+CMTI:", 0) == 0 || line.rfind("+CRING:", 0) == 0;
  if (pending_ && !unsolicited_kind) {
    if (IsFinalResult(line)) {
      response_.final = line;
      pending_ = false;
      cv_.notify_all();
    } else {
      response_.lines.push_back(line);
    }
    return;
  }
  if (line.rfind("+CMT:", 0) == 0) {
    cmt_header_ = line;
    return;
  }
  lock.unlock();
  unsolicited_(line, "");
}

Result<AtResponse> AtChannel::Command(const std::string& cmd, const std::string& pdu,
                                      int timeout_ms) {
  std::lock_guard command(command_mu_);
  std::unique_lock lock(mu_);
  if (closed_) return Error(ErrorCode::kUnavailable, "modem channel closed");
  response_ = {};
  pending_ = true;
  prompt_ = false;
  std::string out = cmd + "\r";
  if (write(fd_.get(), out.data(), out.size()) != static_cast<ssize_t>(out.size()))
    return Error::FromErrno("write to modem");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  if (!pdu.empty()) {
    if (!cv_.wait_until(lock, deadline, [&] { return prompt_ || !pending_ || closed_; }))
      return Error(ErrorCode::kDeadlineExceeded, "no prompt for " + cmd);
    if (prompt_) {
      std::string body = pdu + "\x1a";
      if (write(fd_.get(), body.data(), body.size()) != static_cast<ssize_t>(body.size()))
        return Error::FromErrno("write PDU to modem");
    }
  }
  if (!cv_.wait_until(lock, deadline, [&] { return !pending_ || closed_; })) {
    pending_ = false;
    return Error(ErrorCode::kDeadlineExceeded, "modem did not answer " + cmd);
  }
  if (pending_) return Error(ErrorCode::kUnavailable, "modem channel closed");
  return response_;
}

}  // namespace vmi::guest
