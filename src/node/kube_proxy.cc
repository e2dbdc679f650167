#include "node/kube_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "api/http/client.h"
#include "base/log.h"
#include "base/tcp.h"
#include "cluster/gate_token.h"
#include "node/access.h"
#include "node/kube_routes.h"
#include "node/requests.h"

namespace vmi::node {
namespace {

using api::Request;
using api::Response;

constexpr char kStream[] = "/api/v1/instances/{id}/stream";
constexpr char kVncSocket[] = "/api/v1/instances/{id}/vnc/websocket";

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The gate of a running phone: host and token.
struct Gate {
  std::string url, host, token;
};

Result<Gate> GateOf(const cluster::Phone& p, const KubeProxyOptions& o) {
  std::string ip = cluster::JsonString(p.status, {"podIP"});
  if (ip.empty() || !p.spec.running)
    return Error(ErrorCode::kFailedPrecondition, "instance '" + p.meta.name + "' is not running");
  Gate g;
  g.host = ip;
  std::string bracketed = g.host.find(':') != std::string::npos ? "[" + g.host + "]" : g.host;
  g.url = "http://" + bracketed + ":" + std::to_string(o.gate_port);
  g.token = cluster::GateToken(o.gate_key, p.meta.uid);
  return g;
}

// Forwards one request to the gate and returns its answer as is.
Result<Response> Forward(const Gate& g, const Request& req,
                         std::chrono::seconds timeout = std::chrono::seconds(20)) {
  auto client = VMI_TRY(api::HttpClient::Create(
      {.server = g.url, .token = g.token, .timeout = timeout}));
  auto r = VMI_TRY_CTX(client->Send(req.method, req.target, req.body), "the phone's gate");
  if (r.status == 401)
    return Error(ErrorCode::kUnavailable, "the phone's gate refused the control plane's token");
  Response out = Response::Text(std::move(r.body), r.status,
                                std::string(r.headers.Get("Content-Type").value_or("text/plain")));
  return out;
}

void AnswerError(int fd, const Error& e) {
  Response r = Response::FromError(e);
  std::string text = "HTTP/1.1 " + std::to_string(r.status) + " Error\r\nContent-Type: " +
                     "application/json\r\nContent-Length: " + std::to_string(r.body.size()) +
                     "\r\nConnection: close\r\n\r\n" + r.body;
  SendAll(fd, text);
}

}  // namespace

Result<std::string> GateRequestHead(const std::string& head, const std::string& token) {
  size_t end = head.find("\r\n\r\n");
  if (end == std::string::npos) return Error(ErrorCode::kInvalidArgument, "incomplete request head");
  std::string out;
  size_t pos = 0;
  bool first = true;
  while (pos < end) {
    size_t eol = head.find("\r\n", pos);
    if (eol == std::string::npos || eol > end) eol = end;
    std::string line = head.substr(pos, eol - pos);
    pos = eol + 2;
    if (!first) {
      std::string name = Lower(line.substr(0, line.find(':')));
      if (name == "authorization" || name == "cookie" || name == "x-csrf-token") continue;
    }
    first = false;
    out += line + "\r\n";
  }
  out += "Authorization: Bearer " + token + "\r\n\r\n";
  out += head.substr(end + 4);
  return out;
}

void RegisterKubeLiveRoutes(api::Router& router, api::Management& mgmt, KubePhones& phones,
                            const KubeProxyOptions& options) {
  api::RouteOptions blocking{.blocking = true};
  auto route = [&](const char* method, const std::string& suffix, auto action_of) {
    router.Handle(
        method, "/api/v1/instances/{id}/" + suffix,
        [&mgmt, &phones, options, action_of](Request& req) -> Result<Response> {
          auto p = VMI_TRY(LookupPhone(mgmt, phones, req, action_of(req)));
          auto gate = VMI_TRY(GateOf(p, options));
          return Forward(gate, req);
        },
        blocking);
  };
  // VNC: the password from the device host, and where RFB is carried over
  // a WebSocket (relayed like the live view: ViewerRelays).
  router.Handle(
      "GET", "/api/v1/instances/{id}/vnc",
      [&mgmt, &phones, options](Request& req) -> Result<Response> {
        auto p = VMI_TRY(LookupPhone(mgmt, phones, req, "vnc"));
        auto gate = VMI_TRY(GateOf(p, options));
        auto r = VMI_TRY(Forward(gate, req));
        if (r.status != 200) return r;
        auto j = api::Json::parse(r.body, nullptr, false);
        if (!j.is_object() || !j.contains("password"))
          return Error(ErrorCode::kUnavailable, "the phone's gate gave no VNC password");
        return Response::JsonBody(
            api::Json{{"password", j["password"]},
                      {"websocket", "/api/v1/instances/" + p.meta.name + "/vnc/websocket"}});
      },
      blocking);
  router.HandleWebSocket(kVncSocket, [](Request&, std::shared_ptr<api::WebSocket>) -> Result<void> {
    return Error(ErrorCode::kUnavailable, "VNC clients are relayed to the phone's Pod");
  });
  // exec: checked here as on a node, run by the exec agent in the guest
  // container (through the gate).
  InstanceAudit audit = MakeAudit(mgmt);
  router.Handle(
      "POST", "/api/v1/instances/{id}/exec",
      [&mgmt, &phones, options, audit](Request& req) -> Result<Response> {
        auto p = VMI_TRY(LookupPhone(mgmt, phones, req, "exec"));
        auto body = VMI_TRY(api::ParseJsonObject(req.body));
        auto ex = VMI_TRY(ParseExec(body));
        auto run = [&]() -> Result<Response> {
          auto gate = VMI_TRY(GateOf(p, options));
          Request fwd = req;
          fwd.body = api::Json{{"argv", ex.argv},
                               {"timeout_ms", ex.timeout.count()},
                               {"max_output", ex.max_output}}
                         .dump();
          auto wait = std::chrono::duration_cast<std::chrono::seconds>(ex.timeout) +
                      std::chrono::seconds(16);
          auto r = VMI_TRY(Forward(gate, fwd, wait));
          // The gate's error keeps its code (a timeout stays 504, as on a
          // node), with where it happened.
          if (r.status >= 300) {
            Error e = api::ErrorFromResponse({.status = r.status, .body = r.body});
            return Error(e.code(), "exec in the phone's Pod: " + e.message());
          }
          return r;
        };
        auto out = run();
        audit(req, "instance.exec", "instance/" + p.meta.name, out.ok() ? nullptr : &out.error());
        return out;
      },
      blocking);
  // Apps: the app service runs in the Pod's gate (cluster/gate_apps.h);
  // the control plane checks, audits and carries the upload.
  auto app_audited = [audit](const Request& req, const std::string& action,
                             const std::string& target, Result<Response> r) -> Result<Response> {
    // The gate's refusal is the action's failure too.
    Result<Response> out = std::move(r);
    if (out.ok() && out->status >= 300) {
      Error e = api::ErrorFromResponse({.status = out->status, .body = out->body});
      audit(req, "app." + action, target, &e);
      return out;
    }
    audit(req, "app." + action, target, out.ok() ? nullptr : &out.error());
    return out;
  };
  router.Handle(
      "GET", "/api/v1/instances/{id}/apps",
      [&mgmt, &phones, options](Request& req) -> Result<Response> {
        auto p = VMI_TRY(LookupPhone(mgmt, phones, req, "inspect"));
        return Forward(VMI_TRY(GateOf(p, options)), req);
      },
      blocking);
  router.Handle(
      "POST", "/api/v1/instances/{id}/apps",
      [&mgmt, &phones, options, app_audited](Request& req) -> Result<Response> {
        auto p = VMI_TRY(LookupPhone(mgmt, phones, req, "exec"));
        std::string file(req.Query("file").value_or(""));
        auto upload = [&]() -> Result<Response> {
          auto gate = VMI_TRY(GateOf(p, options));
          if (req.body_file.empty()) return Error(ErrorCode::kInvalidArgument, "no file was uploaded");
          // An install runs as long as its installer (at most an hour).
          auto client = VMI_TRY(api::HttpClient::Create(
              {.server = gate.url, .token = gate.token, .timeout = std::chrono::seconds(3700)}));
          auto r = VMI_TRY_CTX(client->Upload("POST", req.target, req.body_file), "the phone's gate");
          if (r.status == 401)
            return Error(ErrorCode::kUnavailable, "the phone's gate refused the control plane's token");
          return Response::Text(std::move(r.body), r.status,
                                std::string(r.headers.Get("Content-Type").value_or("text/plain")));
        };
        return app_audited(req, "install", "instance/" + p.meta.name + "/" + file, upload());
      },
      {.blocking = true, .max_body_bytes = options.max_upload_bytes, .spool_dir = options.spool_dir});
  router.Handle(
      "DELETE", "/api/v1/instances/{id}/apps/{app}",
      [&mgmt, &phones, options, app_audited](Request& req) -> Result<Response> {
        auto p = VMI_TRY(LookupPhone(mgmt, phones, req, "exec"));
        auto gate = GateOf(p, options);
        return app_audited(req, "remove", "instance/" + p.meta.name + "/" + std::string(req.Param("app")),
                           gate.ok() ? Forward(*gate, req, std::chrono::seconds(90)) : Result<Response>(std::move(gate).error()));
      },
      blocking);
  router.Handle(
      "POST", "/api/v1/instances/{id}/apps/{app}/start",
      [&mgmt, &phones, options, app_audited](Request& req) -> Result<Response> {
        auto p = VMI_TRY(LookupPhone(mgmt, phones, req, "control"));
        auto gate = GateOf(p, options);
        return app_audited(req, "start", "instance/" + p.meta.name + "/" + std::string(req.Param("app")),
                           gate.ok() ? Forward(*gate, req, std::chrono::seconds(90)) : Result<Response>(std::move(gate).error()));
      },
      blocking);
  route("GET", "screenshot", [](const Request&) { return "screenshot"; });
  route("POST", "rotate", [](const Request&) { return "rotate"; });
  route("GET", "audio", [](const Request&) { return "stream"; });
  route("PUT", "audio", [](const Request&) { return "control"; });
  // Answered by the relay (ViewerRelays::Handoff) before this runs.
  router.HandleWebSocket(kStream, [](Request&, std::shared_ptr<api::WebSocket>) -> Result<void> {
    return Error(ErrorCode::kUnavailable, "viewers are relayed to the phone's Pod");
  });
}

ViewerRelays::ViewerRelays(api::Management& mgmt, KubePhones& phones, KubeProxyOptions options)
    : mgmt_(mgmt), phones_(phones), options_(std::move(options)) {}

ViewerRelays::~ViewerRelays() = default;  // workers_ stops and joins the relays

Result<bool> ViewerRelays::Handoff(Request& req, const api::Route& route,
                                   api::HandedOffSocket& socket) {
  if (route.pattern != kStream && route.pattern != kVncSocket) return false;
  // Everything that may block (the phone's lookup, the user's, the connect)
  // happens on the relay's own thread, never on the server's io thread.
  const bool vnc = route.pattern == kVncSocket;
  workers_.Spawn("vmi-relay", [this, vnc, r = req, fd = std::make_shared<UniqueFd>(std::move(socket.fd)),
                               head = std::move(socket.head)](int stop) mutable {
    Relay(std::move(r), std::move(*fd), std::move(head), vnc, stop);
  });
  return true;
}

void ViewerRelays::Relay(Request req, UniqueFd client, std::string head, bool vnc, int stop) {
  fcntl(client.get(), F_SETFL, fcntl(client.get(), F_GETFL) & ~O_NONBLOCK);
  auto connected = [&]() -> Result<UniqueFd> {
    auto p = VMI_TRY(LookupPhone(mgmt_, phones_, req, vnc ? "vnc" : "stream"));
    auto gate = VMI_TRY(GateOf(p, options_));
    auto fd = VMI_TRY(ConnectTcp(gate.host, options_.gate_port, std::chrono::seconds(5)));
    std::string sent = VMI_TRY(GateRequestHead(head, gate.token));
    if (!SendAll(fd.get(), sent))
      return Error(ErrorCode::kUnavailable, "the phone's gate closed the connection");
    return fd;
  }();
  if (!connected.ok()) {
    VMI_LOG(INFO) << "viewer of " << req.Param("id") << ": " << connected.error().ToString();
    AnswerError(client.get(), connected.error());
    return;
  }
  UniqueFd pod = std::move(*connected);
  pollfd fds[3] = {{client.get(), POLLIN, 0}, {pod.get(), POLLIN, 0}, {stop, POLLIN, 0}};
  std::vector<char> buf(64 * 1024);
  for (;;) {
    if (poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[2].revents) break;
    bool closed = false;
    for (int i = 0; i < 2 && !closed; ++i) {
      if (!fds[i].revents) continue;
      ssize_t n = recv(fds[i].fd, buf.data(), buf.size(), 0);
      if (n <= 0 || !SendAll(fds[1 - i].fd, std::string_view(buf.data(), static_cast<size_t>(n)))) closed = true;
    }
    if (closed) break;
  }
}

}  // namespace vmi::node
