#include "devices/telephony/modem_service.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/file.h"
#include "base/log.h"
#include "base/tcp.h"
#include "base/unix_listener.h"

namespace vmi::telephony {
namespace {

constexpr size_t kMaxControlLine = 64 << 10;
constexpr size_t kMaxControlOut = 4 << 20;

const std::pair<ErrorCode, const char*> kCodes[] = {
    {ErrorCode::kInvalidArgument, "invalid_argument"},
    {ErrorCode::kNotFound, "not_found"},
    {ErrorCode::kAlreadyExists, "already_exists"},
    {ErrorCode::kFailedPrecondition, "failed_precondition"},
    {ErrorCode::kPermissionDenied, "permission_denied"},
    {ErrorCode::kResourceExhausted, "resource_exhausted"},
    {ErrorCode::kUnavailable, "unavailable"},
    {ErrorCode::kInternal, "internal"},
    {ErrorCode::kUnimplemented, "unimplemented"},
};

Error Bad(std::string what) { return Error(ErrorCode::kInvalidArgument, std::move(what)); }

bool SameSecret(const std::string& a, const std::string& b) {
  if (a.size() != b.size() || a.empty()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

Result<UniqueFd> Listen(const std::string& where) {
  auto hp = VMI_TRY(ParseHostPort(where));
  return ListenTcp(hp.host, hp.port);
}

}  // namespace

std::string ControlCodeName(ErrorCode code) {
  for (auto& [c, n] : kCodes)
    if (c == code) return n;
  return "unknown";
}

ErrorCode ControlCodeFromName(const std::string& name) {
  for (auto& [c, n] : kCodes)
    if (name == n) return c;
  return ErrorCode::kUnknown;
}

Result<std::unique_ptr<ModemService>> ModemService::Create(ModemServiceOptions options) {
  std::unique_ptr<ModemService> s(new ModemService());
  s->options_ = std::move(options);
  s->loop_ = VMI_TRY(EventLoop::Create());
  VMI_CHECK_OK(MakeDirs(s->options_.state_dir, 0700), "state directory");
  s->journal_ = VMI_TRY(MessageJournal::Open(s->options_.state_dir + "/sms.jsonl"));
  ModemService* raw = s.get();
  s->network_ = VMI_TRY(Network::Create(
      s->options_.network, s->journal_.get(),
      [raw](const std::string& instance, const nlohmann::json& e) { raw->Broadcast(instance, e); }));

  if (!s->options_.uplink_bus.empty()) {
    s->uplink_ = VMI_TRY_CTX(MmUplink::Create(s->loop_.get(), s->options_.uplink_bus, s->network_.get()),
                             "uplink");
    s->network_->SetUplink(s->uplink_.get());
  }

  s->lines_ = VMI_TRY_CTX(
      LineServer::Create(s->loop_.get(), s->network_.get(), s->options_.state_dir + "/line.sock"),
      "line socket");

  // Clients (the daemon, tests) may connect as soon as the path exists.
  s->listen_ = VMI_TRY_CTX(ListenUnix(s->options_.state_dir + "/control.sock"), "control socket");
  int lfd = s->listen_.get();
  VMI_CHECK_OK(s->loop_->AddFd(lfd, EPOLLIN, [raw, lfd](uint32_t) { raw->OnAccept(lfd, false); }),
               "watch control socket");
  if (!s->options_.control_listen.empty()) {
    if (s->options_.control_token.size() < 32)
      return Bad("a control port needs a token of at least 32 characters");
    s->tcp_listen_ = VMI_TRY_CTX(Listen(s->options_.control_listen), "control port");
    int tfd = s->tcp_listen_.get();
    VMI_CHECK_OK(s->loop_->AddFd(tfd, EPOLLIN, [raw, tfd](uint32_t) { raw->OnAccept(tfd, true); }),
                 "watch control port");
  }
  if (!s->options_.line_listen.empty()) {
    auto fd = VMI_TRY_CTX(Listen(s->options_.line_listen), "line port");
    s->line_port_ = BoundPort(fd.get());
    VMI_CHECK_OK(s->lines_->ListenTcp(std::move(fd)), "watch line port");
  }
  VMI_TRY(s->loop_->AddTimer(
      std::chrono::milliseconds(2000),
      [raw] {
        for (auto& [id, e] : raw->endpoints_) e->Tick();
        // A service whose control socket was removed (its data directory
        // deleted) has nobody left to serve: it ends instead of lingering.
        if (!PathExists(raw->options_.state_dir + "/control.sock")) {
          VMI_LOG(INFO) << "vmi-modem: control socket removed; exiting";
          raw->loop_->Stop();
        }
      },
      /*repeat=*/true));
  return s;
}

ModemService::~ModemService() {
  uplink_.reset();
  if (network_) network_->SetUplink(nullptr);
  endpoints_.clear();
  lines_.reset();
  for (auto& [fd, c] : clients_) loop_->RemoveFd(fd);
  clients_.clear();
  if (listen_) loop_->RemoveFd(listen_.get());
  if (tcp_listen_) loop_->RemoveFd(tcp_listen_.get());
}

int ModemService::control_port() const { return tcp_listen_ ? BoundPort(tcp_listen_.get()) : 0; }

void ModemService::OnAccept(int listener, bool remote) {
  for (;;) {
    UniqueFd c(accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!c) return;
    int fd = c.get();
    auto client = std::make_unique<Client>();
    client->fd = std::move(c);
    client->authed = !remote;
    if (!loop_->AddFd(fd, EPOLLIN | EPOLLRDHUP, [this, fd](uint32_t ev) { OnClient(fd, ev); })
             .ok())
      continue;
    clients_[fd] = std::move(client);
  }
}

void ModemService::OnClient(int fd, uint32_t events) {
  auto it = clients_.find(fd);
  if (it == clients_.end()) return;
  Client& c = *it->second;
  bool closed = (events & (EPOLLHUP | EPOLLERR)) != 0;
  if (events & EPOLLOUT) SendTo(c, "");
  if (events & EPOLLIN) {
    char buf[8192];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      c.in.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      closed = true;
    }
    size_t nl;
    while ((nl = c.in.find('\n')) != std::string::npos) {
      std::string line = c.in.substr(0, nl);
      c.in.erase(0, nl + 1);
      auto req = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!c.authed) {
        // A TCP client's first request: the control token, or goodbye.
        if (!req.is_object() || req.value("op", "") != "auth" ||
            !SameSecret(req.value("token", ""), options_.control_token)) {
          VMI_LOG(WARN) << "vmi-modem: a control connection without the token; closed";
          closed = true;
          break;
        }
        c.authed = true;
        SendTo(c, nlohmann::json{{"id", req.contains("id") ? req["id"] : nlohmann::json(nullptr)},
                                 {"ok", true},
                                 {"result", nlohmann::json::object()}}
                      .dump() +
                      "\n");
        continue;
      }
      nlohmann::json reply = req.is_object()
                                 ? Handle(req)
                                 : nlohmann::json{{"ok", false}, {"code", "invalid_argument"},
                                                  {"error", "request is not a JSON object"}};
      SendTo(c, reply.dump() + "\n");
    }
    if (c.in.size() > kMaxControlLine) closed = true;
  }
  if (closed || c.out.size() > kMaxControlOut) {
    loop_->RemoveFd(fd);
    clients_.erase(fd);
  }
}

void ModemService::SendTo(Client& c, const std::string& line) {
  c.out += line;
  while (!c.out.empty()) {
    ssize_t n = send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n > 0) {
      c.out.erase(0, static_cast<size_t>(n));
      continue;
    }
    break;
  }
  (void)loop_->ModifyFd(c.fd.get(), EPOLLIN | EPOLLRDHUP | (c.out.empty() ? 0u : static_cast<uint32_t>(EPOLLOUT)));
}

void ModemService::Broadcast(const std::string& instance, const nlohmann::json& event) {
  std::string line = nlohmann::json{{"instance", instance}, {"event", event}}.dump() + "\n";
  for (auto& [fd, c] : clients_)
    if (c->authed) SendTo(*c, line);
}

nlohmann::json ModemService::CallsJson(const std::string& instance) const {
  nlohmann::json out = nlohmann::json::array();
  for (const CallView& c : network_->Calls(instance))
    out.push_back({{"id", c.id}, {"direction", c.outgoing ? "outgoing" : "incoming"},
                   {"state", CallStateName(c.state)}, {"peer", c.peer},
                   {"peer_instance", network_->PeerInstance(c.id, instance)}});
  return out;
}

nlohmann::json ModemService::Handle(const nlohmann::json& req) {
  nlohmann::json reply = {{"id", req.contains("id") ? req["id"] : nlohmann::json(nullptr)}};
  std::string op = req.value("op", "");
  std::string instance = req.contains("instance") && req["instance"].is_string()
                             ? req["instance"].get<std::string>()
                             : std::string();
  Result<nlohmann::json> r = Bad("missing instance");
  try {
    if (!instance.empty() || op == "ping" || op == "uplink") r = Dispatch(op, instance, req);
  } catch (const nlohmann::json::exception& e) {
    r = Bad(std::string("bad request field: ") + e.what());
  }
  if (r.ok()) {
    reply["ok"] = true;
    reply["result"] = *r;
  } else {
    reply["ok"] = false;
    reply["code"] = ControlCodeName(r.error().code());
    reply["error"] = r.error().ToString();
  }
  return reply;
}

Result<nlohmann::json> ModemService::Dispatch(const std::string& op, const std::string& instance,
                                              const nlohmann::json& req) {
  auto str = [&](const char* k) -> std::string {
    return req.contains(k) && req[k].is_string() ? req[k].get<std::string>() : std::string();
  };
  auto call_id = [&]() -> uint32_t { return req.value("call", uint32_t{0}); };
  if (op == "ping") return nlohmann::json{{"pid", getpid()}, {"line_connections", lines_->connections()}};
  if (op == "uplink") {
    if (req.contains("owner")) VMI_CHECK_OK(network_->SetUplinkOwner(str("owner")), "uplink owner");
    nlohmann::json j = network_->UplinkJson();
    if (uplink_) j["modem"] = uplink_->Status();
    return j;
  }
  if (op == "line") {
    VMI_CHECK_OK(network_->AddLine(instance, str("number")), "phone line of " + instance);
    if (req.contains("token")) lines_->SetToken(instance, str("token"));
    return network_->LineJson(instance);
  }
  if (op == "attach") {
    if (!network_->HasLine(instance)) return Error(ErrorCode::kNotFound, "no phone line for " + instance);
    std::string devdir = str("devdir");
    if (devdir.empty() || devdir[0] != '/') return Bad("devdir must be an absolute path");
    auto it = endpoints_.find(instance);
    if (it == endpoints_.end() || it->second->devdir() != devdir) {
      endpoints_.erase(instance);
      endpoints_[instance] = VMI_TRY_CTX(
          ModemEndpoint::Create(
              loop_.get(),
              [net = network_.get(), instance] { return std::make_unique<LocalLine>(net, instance); },
              instance, devdir),
          "modem endpoint");
    }
    return network_->LineJson(instance);
  }
  if (op == "detach") {
    endpoints_.erase(instance);
    return nlohmann::json::object();
  }
  if (op == "remove") {
    endpoints_.erase(instance);
    lines_->Forget(instance);
    network_->RemoveLine(instance);
    VMI_CHECK_OK(journal_->Append({{"op", "drop"}, {"instance", instance}}), "journal");
    return nlohmann::json::object();
  }
  if (op == "get") {
    if (!network_->HasLine(instance)) return Error(ErrorCode::kNotFound, "no phone line for " + instance);
    nlohmann::json j = network_->LineJson(instance);
    j["calls"] = CallsJson(instance);
    return j;
  }
  if (op == "set") {
    LineSettings s = VMI_TRY(network_->Settings(instance));
    if (req.contains("registration")) {
      auto reg = RegistrationFromName(str("registration"));
      if (!reg) return Bad("registration must be home, roaming, searching, denied or none");
      s.registration = *reg;
    }
    if (req.contains("signal")) {
      if (!req["signal"].is_number_integer()) return Bad("signal must be an integer");
      s.signal = req["signal"].get<int>();
    }
    if (req.contains("operator")) s.operator_name = str("operator");
    VMI_CHECK_OK(network_->SetSettings(instance, s), "phone line settings");
    return network_->LineJson(instance);
  }
  if (op == "dial") {
    uint32_t id = VMI_TRY(network_->Dial(instance, str("number")));
    return nlohmann::json{{"call", id}};
  }
  if (op == "dial_in") {
    uint32_t id = VMI_TRY(network_->DialIn(str("from"), instance));
    return nlohmann::json{{"call", id}};
  }
  if (op == "answer") {
    VMI_CHECK_OK(network_->Answer(instance, call_id()), "answer");
    return CallsJson(instance);
  }
  if (op == "hangup") {
    VMI_CHECK_OK(network_->Hangup(instance, call_id()), "hang up");
    return CallsJson(instance);
  }
  if (op == "calls") return CallsJson(instance);
  if (op == "sms_in") {
    VMI_CHECK_OK(network_->DeliverSms(str("from"), instance, str("text")), "deliver SMS");
    return nlohmann::json::object();
  }
  if (op == "messages") return network_->MessagesJson(instance);
  return Bad("unknown op '" + op + "'");
}

}  // namespace vmi::telephony
