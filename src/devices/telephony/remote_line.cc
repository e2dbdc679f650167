#include "devices/telephony/remote_line.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fcntl.h>

#include "base/log.h"
#include "base/tcp.h"
#include "devices/telephony/line_wire.h"
#include "devices/telephony/modem_service.h"

namespace vmi::telephony {
namespace {

constexpr size_t kMaxIn = 4 << 20;

Error NoService() { return Error(ErrorCode::kUnavailable, "no network service"); }

}  // namespace

RemoteLine::RemoteLine(EventLoop* loop, std::string socket_path, std::string instance,
                       std::string token)
    : loop_(loop), path_(std::move(socket_path)), instance_(std::move(instance)),
      token_(std::move(token)) {
  Connect();
  auto timer = loop_->AddTimer(kRetry, [this] {
    if (!fd_.valid()) Connect();
  }, /*repeat=*/true);
  if (timer.ok()) retry_ = *timer;
}

RemoteLine::~RemoteLine() {
  if (retry_) loop_->CancelTimer(retry_);
  if (fd_.valid()) loop_->RemoveFd(fd_.get());
}

// The line socket: a path (the node's vmi-modem), or HOST:PORT (a
// cluster's, reached over TCP from the phone's Pod).
Result<UniqueFd> RemoteLine::Open() const {
  if (!path_.empty() && path_[0] != '/') {
    auto hp = VMI_TRY(ParseHostPort(path_));
    auto fd = VMI_TRY(ConnectTcpByName(hp.host, hp.port, std::chrono::milliseconds(1000)));
    fcntl(fd.get(), F_SETFL, fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
    return fd;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.size() >= sizeof(addr.sun_path))
    return Error(ErrorCode::kInvalidArgument, "socket path too long");
  std::memcpy(addr.sun_path, path_.data(), path_.size());
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd || connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
    return Error::FromErrno("connect");
  return fd;
}

void RemoteLine::Connect() {
  auto opened = Open();
  if (!opened.ok()) {
    if (!warned_) VMI_ILOG(INFO, instance_) << "modem line: no network yet (" << path_ << ": "
                                            << opened.error().ToString() << ")";
    warned_ = true;
    return;
  }
  fd_ = std::move(*opened);
  if (!loop_->AddFd(fd_.get(), EPOLLIN | EPOLLRDHUP, [this](uint32_t ev) { OnReadable(ev); }).ok()) {
    fd_.reset();
    return;
  }
  nlohmann::json hi = {{"op", "hello"}, {"instance", instance_}};
  if (!token_.empty()) hi["token"] = token_;
  auto hello = Call(std::move(hi));
  if (!hello.ok()) {
    if (!warned_) VMI_ILOG(INFO, instance_) << "modem line: " << hello.error().ToString();
    warned_ = true;
    Disconnect("");
    return;
  }
  hello_ = true;
  warned_ = false;
  number_ = hello->value("number", "");
  if (kept_.is_null() && hello->contains("modem"))
    kept_ = (*hello)["modem"];
  else if (!kept_.is_null())
    (void)Call({{"op", "keep"}, {"state", kept_}});  // a restarted vmi-modem has none
  VMI_ILOG(INFO, instance_) << "modem line: connected to the network as " << number_;
}

void RemoteLine::Disconnect(const std::string& why) {
  if (!fd_.valid()) return;
  if (hello_ && !why.empty()) VMI_ILOG(WARN, instance_) << "modem line: " << why;
  loop_->RemoveFd(fd_.get());
  fd_.reset();
  hello_ = false;
  in_.clear();
  replies_.clear();
  // The network that carried these calls is gone: the modem hangs them up.
  for (auto& [id, call] : calls_) {
    call.state = CallState::kReleased;
    events_.push_back({{"event", "ended"}, {"call", CallViewToJson(call)},
                       {"cause", static_cast<int>(Cause::kTemporaryFailure)}});
  }
  DeliverLater();
}

bool RemoteLine::ReadSome() {
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd_.get(), buf, sizeof buf);
    if (n > 0) {
      in_.append(buf, static_cast<size_t>(n));
      if (in_.size() > kMaxIn) return false;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
    return false;
  }
}

void RemoteLine::TakeLines() {
  size_t nl;
  while ((nl = in_.find('\n')) != std::string::npos) {
    auto j = nlohmann::json::parse(in_.substr(0, nl), nullptr, /*allow_exceptions=*/false);
    in_.erase(0, nl + 1);
    if (!j.is_object()) continue;
    if (j.contains("event"))
      events_.push_back(std::move(j));
    else if (j.contains("id") && j["id"].is_number_unsigned()) {
      uint64_t id = j["id"].get<uint64_t>();
      replies_[id] = std::move(j);
    }
  }
}

Result<nlohmann::json> RemoteLine::Call(nlohmann::json request) {
  if (!fd_.valid()) return NoService();
  uint64_t id = next_id_++;
  request["id"] = id;
  std::string out = request.dump() + "\n";
  auto deadline = std::chrono::steady_clock::now() + kReplyTimeout;
  auto remaining = [&] {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<int64_t>(0, ms.count()));
  };
  size_t sent = 0;
  while (sent < out.size()) {
    ssize_t n = send(fd_.get(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    pollfd p{fd_.get(), POLLOUT, 0};
    if ((n < 0 && errno != EAGAIN && errno != EINTR) || poll(&p, 1, remaining()) <= 0) {
      Disconnect("the network does not take requests");
      return NoService();
    }
  }
  for (;;) {
    TakeLines();
    if (auto it = replies_.find(id); it != replies_.end()) {
      nlohmann::json reply = std::move(it->second);
      replies_.erase(it);
      if (!events_.empty()) DeliverLater();
      if (reply.value("ok", false)) return reply.contains("result") ? reply["result"] : nlohmann::json();
      return Error(ControlCodeFromName(reply.value("code", "")), reply.value("error", "network error"));
    }
    pollfd p{fd_.get(), POLLIN, 0};
    int r = poll(&p, 1, remaining());
    if (r <= 0 || !ReadSome()) {
      Disconnect(r <= 0 ? "the network did not answer in time" : "the network went away");
      return NoService();
    }
  }
}

void RemoteLine::OnReadable(uint32_t events) {
  if (!fd_.valid()) return;
  bool open = (events & EPOLLIN) ? ReadSome() : true;
  if (open && (events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) && !(events & EPOLLIN)) open = false;
  TakeLines();
  if (!open) {
    Disconnect("the network went away");
    return;
  }
  Deliver();
}

void RemoteLine::DeliverLater() {
  std::weak_ptr<int> alive = alive_;
  loop_->Post([this, alive] {
    if (alive.lock()) Deliver();
  });
}

void RemoteLine::Deliver() {
  // Not re-entered: the modem may ask the line something while it handles
  // an event, and what that brings in waits its turn in events_.
  if (delivering_) return;
  delivering_ = true;
  while (!events_.empty()) {
    nlohmann::json e = std::move(events_.front());
    events_.pop_front();
    std::string what = e.value("event", "");
    if (what == "sms") {
      if (observer_ && e.contains("index") && e["index"].is_number_integer())
        observer_->OnSmsStored(e["index"].get<int>());
      continue;
    }
    auto call = CallViewFromJson(e.contains("call") ? e["call"] : nlohmann::json());
    if (!call.ok()) continue;
    if (what == "ended") {
      calls_.erase(call->id);
      int cause = e.value("cause", static_cast<int>(Cause::kNormalClearing));
      if (observer_) observer_->OnCallEnded(*call, static_cast<Cause>(cause));
    } else if (what == "incoming" || what == "changed") {
      calls_[call->id] = *call;
      if (!observer_) continue;
      if (what == "incoming")
        observer_->OnIncomingCall(*call);
      else
        observer_->OnCallChanged(*call);
    }
  }
  delivering_ = false;
}

std::string RemoteLine::Number() {
  auto r = Call({{"op", "number"}});
  if (r.ok()) number_ = r->value("number", number_);
  return number_;
}

Result<LineSettings> RemoteLine::Settings() {
  auto r = Call({{"op", "settings"}});
  if (!r.ok()) {
    // A modem that cannot reach its network is searching for one.
    LineSettings searching;
    searching.registration = Registration::kSearching;
    searching.signal = 99;
    return searching;
  }
  return SettingsFromJson(*r);
}

std::vector<CallView> RemoteLine::Calls() {
  std::vector<CallView> out;
  auto r = Call({{"op", "calls"}});
  if (!r.ok() || !r->is_array()) return out;
  for (const auto& j : *r)
    if (auto c = CallViewFromJson(j); c.ok()) out.push_back(*c);
  return out;
}

Result<uint32_t> RemoteLine::Dial(const std::string& number) {
  auto r = VMI_TRY(Call({{"op", "dial"}, {"number", number}}));
  if (!r.contains("call") || !r["call"].is_number_unsigned())
    return Error(ErrorCode::kInternal, "the network's dial reply has no call");
  return r["call"].get<uint32_t>();
}

Result<void> RemoteLine::Answer() {
  (void)VMI_TRY(Call({{"op", "answer"}}));
  return Ok();
}

Result<void> RemoteLine::Hangup() {
  (void)VMI_TRY(Call({{"op", "hangup"}}));
  return Ok();
}

Result<uint8_t> RemoteLine::SendSms(const SmsSubmit& submit) {
  auto r = VMI_TRY(Call({{"op", "sms"}, {"pdu", ToHex(EncodeSubmit(submit))}}));
  if (!r.contains("mr") || !r["mr"].is_number_unsigned() || r["mr"].get<uint64_t>() > 255)
    return Error(ErrorCode::kInternal, "the network's SMS reply has no reference");
  return static_cast<uint8_t>(r["mr"].get<uint64_t>());
}

std::vector<StoredMessage> RemoteLine::Stored() {
  std::vector<StoredMessage> out;
  auto r = Call({{"op", "stored"}});
  if (!r.ok() || !r->is_array()) return out;
  for (const auto& j : *r) {
    auto m = MessageFromJson(j);
    if (!m.ok()) continue;
    m->read = j.value("read", false);
    out.push_back(std::move(*m));
  }
  return out;
}

Result<void> RemoteLine::MarkRead(int index) {
  (void)VMI_TRY(Call({{"op", "read"}, {"index", index}}));
  return Ok();
}

void RemoteLine::Leave() { (void)Call({{"op", "bye"}}); }

void RemoteLine::KeepModemState(const nlohmann::json& state) {
  kept_ = state;
  (void)Call({{"op", "keep"}, {"state", kept_}});
}

Result<void> RemoteLine::DeleteStored(int index) {
  (void)VMI_TRY(Call({{"op", "delete"}, {"index", index}}));
  return Ok();
}

}  // namespace vmi::telephony
