#include "devices/telephony/line_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "base/log.h"
#include "base/unix_listener.h"
#include "devices/telephony/line_wire.h"
#include "devices/telephony/modem_service.h"

namespace vmi::telephony {
namespace {

constexpr size_t kMaxLine = 64 << 10;
// What a device host that stops reading may have pending before it is
// dropped (its line is then detached, as a modem that went away).
constexpr size_t kMaxOut = 4 << 20;

Error Bad(std::string what) { return Error(ErrorCode::kInvalidArgument, std::move(what)); }

// Compares in time that depends on the lengths only.
bool SameSecret(const std::string& a, const std::string& b) {
  if (a.size() != b.size() || a.empty()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// The line's news as the line socket's event lines (line_wire.h).
struct EventWriter : LineObserver {
  virtual void Event(nlohmann::json e) = 0;
  void OnIncomingCall(const CallView& call) override {
    Event({{"event", "incoming"}, {"call", CallViewToJson(call)}});
  }
  void OnCallChanged(const CallView& call) override {
    Event({{"event", "changed"}, {"call", CallViewToJson(call)}});
  }
  void OnCallEnded(const CallView& call, Cause cause) override {
    Event({{"event", "ended"}, {"call", CallViewToJson(call)}, {"cause", static_cast<int>(cause)}});
  }
  void OnSmsStored(int index) override { Event({{"event", "sms"}, {"index", index}}); }
};

}  // namespace

// One device host's connection: after hello, the line of one instance, and
// the observer the Network tells about it.
struct LineServer::Conn : EventWriter {
  LineServer* server = nullptr;
  UniqueFd fd;
  std::string in, out;
  std::unique_ptr<LocalLine> line;  // set by hello
  std::string instance;
  bool remote = false;  // came over TCP: hello needs the line's token
  // What happened to the line while it had no device host, sent after the
  // hello that took it over.
  std::vector<nlohmann::json> missed;

  void Event(nlohmann::json e) override { server->Send(*this, e); }
};

// An orphaned line's news, kept for the device host that takes it over: the
// far end may hang up (or an SMS arrive) while the line's device host is
// being restarted, and its guest must still learn of it.
struct LineServer::Recorder : EventWriter {
  // A line's calls are few; what is beyond this in 10 s is a flood.
  static constexpr size_t kMaxEvents = 64;
  std::vector<nlohmann::json> events;
  void Event(nlohmann::json e) override {
    if (events.size() < kMaxEvents) events.push_back(std::move(e));
  }
};

Result<std::unique_ptr<LineServer>> LineServer::Create(EventLoop* loop, Network* network,
                                                       std::string path) {
  std::unique_ptr<LineServer> s(new LineServer());
  s->loop_ = loop;
  s->network_ = network;
  s->path_ = std::move(path);
  // Root only: the node's device hosts.
  s->listen_ = VMI_TRY(ListenUnix(s->path_, {.mode = 0600, .backlog = 64}));
  LineServer* raw = s.get();
  int lfd = s->listen_.get();
  VMI_CHECK_OK(loop->AddFd(lfd, EPOLLIN, [raw, lfd](uint32_t) { raw->OnAccept(lfd, false); }),
               "watch " + s->path_);
  return s;
}

Result<void> LineServer::ListenTcp(UniqueFd listener) {
  tcp_listen_ = std::move(listener);
  int lfd = tcp_listen_.get();
  return loop_->AddFd(lfd, EPOLLIN, [this, lfd](uint32_t) { OnAccept(lfd, true); });
}

LineServer::~LineServer() {
  while (!conns_.empty()) Close(conns_.begin()->first);
  for (auto& [instance, o] : orphans_) loop_->CancelTimer(o.timer);
  orphans_.clear();
  if (listen_) loop_->RemoveFd(listen_.get());
  if (tcp_listen_) loop_->RemoveFd(tcp_listen_.get());
}

void LineServer::OnAccept(int listener, bool remote) {
  for (;;) {
    UniqueFd c(accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!c) return;
    int fd = c.get();
    auto conn = std::make_unique<Conn>();
    conn->server = this;
    conn->fd = std::move(c);
    conn->remote = remote;
    if (!loop_->AddFd(fd, EPOLLIN | EPOLLRDHUP, [this, fd](uint32_t ev) { OnReadable(fd, ev); }).ok())
      continue;
    conns_[fd] = std::move(conn);
  }
}

void LineServer::OnReadable(int fd, uint32_t events) {
  auto it = conns_.find(fd);
  if (it == conns_.end()) return;
  Conn& c = *it->second;
  bool closed = (events & (EPOLLHUP | EPOLLERR)) != 0;
  if (events & EPOLLOUT) Send(c, nullptr);
  if (events & EPOLLIN) {
    char buf[8192];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0)
      c.in.append(buf, static_cast<size_t>(n));
    else if (n == 0 || (errno != EAGAIN && errno != EINTR))
      closed = true;
    size_t nl;
    while (conns_.count(fd) && (nl = c.in.find('\n')) != std::string::npos) {
      std::string text = c.in.substr(0, nl);
      c.in.erase(0, nl + 1);
      auto req = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
      Send(c, req.is_object() ? Handle(c, req)
                              : nlohmann::json{{"ok", false}, {"code", "invalid_argument"},
                                               {"error", "request is not a JSON object"}});
      // After the hello that took an orphaned line over: what it missed.
      for (nlohmann::json& e : std::exchange(c.missed, {})) Send(c, e);
    }
    if (c.in.size() > kMaxLine) closed = true;
  }
  if (closed && conns_.count(fd)) Close(fd);
}

void LineServer::Send(Conn& c, const nlohmann::json& message) {
  if (!message.is_null()) c.out += message.dump() + "\n";
  while (!c.out.empty()) {
    ssize_t n = send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n <= 0) break;
    c.out.erase(0, static_cast<size_t>(n));
  }
  if (c.out.size() > kMaxOut) {
    VMI_ILOG(WARN, c.instance) << "modem line: the device host does not read; dropping it";
    CloseLater(c.fd.get());
    return;
  }
  (void)loop_->ModifyFd(c.fd.get(), EPOLLIN | EPOLLRDHUP | (c.out.empty() ? 0u : static_cast<uint32_t>(EPOLLOUT)));
}

void LineServer::Close(int fd) {
  auto it = conns_.find(fd);
  if (it == conns_.end()) return;
  std::unique_ptr<Conn> c = std::move(it->second);
  conns_.erase(it);
  loop_->RemoveFd(fd);
  c->fd.reset();
  if (!c->line) return;
  VMI_ILOG(INFO, c->instance) << "modem line: device host disconnected";
  if (c->line->Calls().empty() || orphans_.count(c->instance)) {
    c->line.reset();  // detaches: the line is unreachable until it is back
    return;
  }
  // In a call: the line stays attached for a while, in case the device
  // host is restarted (its crash need not end the call).
  std::string instance = c->instance;
  auto recorder = std::make_unique<Recorder>();
  c->line->SetObserver(recorder.get());
  std::weak_ptr<int> alive = alive_;
  auto timer = loop_->AddTimer(kOrphanGrace, [this, alive, instance] {
    if (!alive.lock()) return;
    VMI_ILOG(INFO, instance) << "modem line: no device host came back; the line's calls end";
    orphans_.erase(instance);
  });
  orphans_[instance] = Orphan{std::move(recorder), std::move(c->line), timer.ok() ? *timer : 0};
  if (!timer.ok()) orphans_.erase(instance);
}

void LineServer::CloseLater(int fd) {
  std::weak_ptr<int> alive = alive_;
  loop_->Post([this, alive, fd] {
    if (alive.lock()) Close(fd);
  });
}

nlohmann::json LineServer::Handle(Conn& c, const nlohmann::json& req) {
  nlohmann::json reply = {{"id", req.contains("id") ? req["id"] : nlohmann::json(nullptr)}};
  Result<nlohmann::json> r = Bad("no request");
  try {
    r = Dispatch(c, req.value("op", ""), req);
  } catch (const nlohmann::json::exception& e) {
    r = Bad(std::string("bad request field: ") + e.what());
  }
  if (r.ok()) {
    reply["ok"] = true;
    reply["result"] = std::move(*r);
  } else {
    reply["ok"] = false;
    reply["code"] = ControlCodeName(r.error().code());
    reply["error"] = r.error().message();
  }
  return reply;
}

Result<nlohmann::json> LineServer::Dispatch(Conn& c, const std::string& op,
                                            const nlohmann::json& req) {
  if (op == "hello") {
    if (c.line) return Error(ErrorCode::kFailedPrecondition, "hello was said already");
    std::string instance = req.value("instance", "");
    if (!network_->HasLine(instance))
      return Error(ErrorCode::kNotFound, "no phone line for instance " + instance);
    if (c.remote) {
      auto t = tokens_.find(instance);
      if (t == tokens_.end() || !SameSecret(t->second, req.value("token", ""))) {
        CloseLater(c.fd.get());  // one guess per connection
        return Error(ErrorCode::kPermissionDenied, "wrong token for the line of " + instance);
      }
    }
    // A restarted device host replaces the connection of the one before.
    for (auto& [fd, other] : conns_)
      if (other.get() != &c && other->instance == instance) {
        Close(fd);
        break;
      }
    c.instance = instance;
    if (auto o = orphans_.find(instance); o != orphans_.end()) {
      loop_->CancelTimer(o->second.timer);
      c.line = std::move(o->second.line);  // the calls carry on
      c.line->SetObserver(&c);
      c.missed = std::move(o->second.recorder->events);
      orphans_.erase(o);
    } else {
      c.line = std::make_unique<LocalLine>(network_, instance);
      c.line->SetObserver(&c);
    }
    VMI_ILOG(INFO, instance) << "modem line: device host connected";
    nlohmann::json hello = {{"number", c.line->Number()}};
    if (auto k = kept_.find(instance); k != kept_.end()) hello["modem"] = k->second;
    return hello;
  }
  if (!c.line) return Error(ErrorCode::kFailedPrecondition, "say hello first");
  ModemLine& line = *c.line;
  auto index = [&] { return req.at("index").get<int>(); };
  if (op == "bye") {
    c.line.reset();  // detaches now: the guest switched its modem off
    return nlohmann::json::object();
  }
  if (op == "number") return nlohmann::json{{"number", line.Number()}};
  if (op == "keep") {
    const nlohmann::json& state = req.at("state");
    if (!state.is_object() || state.dump().size() > 1024) return Bad("state must be a small object");
    kept_[c.instance] = state;
    return nlohmann::json::object();
  }
  if (op == "settings") return SettingsToJson(VMI_TRY(line.Settings()));
  if (op == "calls") {
    nlohmann::json out = nlohmann::json::array();
    for (const CallView& v : line.Calls()) out.push_back(CallViewToJson(v));
    return out;
  }
  if (op == "dial") return nlohmann::json{{"call", VMI_TRY(line.Dial(req.at("number").get<std::string>()))}};
  if (op == "answer") {
    VMI_CHECK_OK(line.Answer(), "answer");
    return nlohmann::json::object();
  }
  if (op == "hangup") {
    VMI_CHECK_OK(line.Hangup(), "hangup");
    return nlohmann::json::object();
  }
  if (op == "sms") {
    // The PDU is decoded here again: the device host is not trusted to have
    // done it right, and the Network only takes a decoded submit.
    Bytes pdu = VMI_TRY(FromHex(req.at("pdu").get<std::string>()));
    SmsSubmit submit = VMI_TRY(DecodeSubmit(pdu));
    return nlohmann::json{{"mr", VMI_TRY(line.SendSms(submit))}};
  }
  if (op == "stored") {
    nlohmann::json out = nlohmann::json::array();
    for (const StoredMessage& m : line.Stored()) {
      nlohmann::json j = MessageToJson(m);
      j["read"] = m.read;
      out.push_back(std::move(j));
    }
    return out;
  }
  if (op == "read") {
    VMI_CHECK_OK(line.MarkRead(index()), "read");
    return nlohmann::json::object();
  }
  if (op == "delete") {
    VMI_CHECK_OK(line.DeleteStored(index()), "delete");
    return nlohmann::json::object();
  }
  return Bad("unknown op '" + op + "'");
}

}  // namespace vmi::telephony
