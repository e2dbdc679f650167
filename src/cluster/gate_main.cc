// vmi-gate: the door of a phone's Pod (desired.h, the `gate` container).
//
// The device host (vmi-devhost, the `devhost` container) serves only its
// control socket in the device directory the Pod's containers share
// (<devdir>/devhost.sock, devices/host/control_message.h), as on a node.
// The control plane runs elsewhere in the cluster, so this process gives
// that socket a TCP port, and does for the control plane what the node
// daemon does for its device hosts:
//
//   GET  /api/v1/instances/{id}/screenshot[?max_width=&format=]   op screenshot
//   POST /api/v1/instances/{id}/rotate  {"orientation"}            op rotate
//   GET|PUT /api/v1/instances/{id}/audio [{"volume","muted"}]      op audio
//   GET  /api/v1/instances/{id}/stream  (WebSocket)  the connection itself is
//        handed to the device host (op viewer, SCM_RIGHTS), which answers the
//        upgrade; frames then go from the device host to the control plane's
//        relay without passing through here
//   GET  /api/v1/instances/{id}/vnc                                op vnc: the password
//   GET  /api/v1/instances/{id}/vnc/websocket  (WebSocket)  RFB bridged to the
//        device host's VNC server (op vnc: its port on the Pod's loopback),
//        noVNC's framing (api/http/socket_bridge.h)
//   POST /api/v1/instances/{id}/exec {"argv","timeout_ms","max_output"}
//        run in the guest container by vmi-exec-agent, which vmi-init starts
//        on <devdir>/exec.sock (guest/exec/exec_agent.h)
//   GET|POST /api/v1/instances/{id}/apps, DELETE .../apps/{app},
//   POST .../apps/{app}/start: the app service, here in the Pod (gate_apps.h)
//
// Every request must carry "Authorization: Bearer $VMI_GATE_TOKEN" (the
// phone's token, cluster/gate_token.h), compared in constant time; anything
// else is 401. Users never reach this port: the control plane has
// authenticated and authorized them, and the NetworkPolicy admits only it.
//
// Threads: the HTTP server's io thread (middleware, hand-offs) and worker
// pool (the control calls); one bridge thread per VNC client; the main
// thread waits for SIGTERM/SIGINT.
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "api/auth/secrets.h"
#include "api/http/server.h"
#include "api/http/socket_bridge.h"
#include "api/json_reader.h"
#include "base/file.h"
#include "base/log.h"
#include "base/tcp.h"
#include "base/stop_signals.h"
#include "cluster/gate_apps.h"
#include "devices/host/control_client.h"

namespace vmi::cluster {
namespace {

using api::Request;
using api::Response;
using nlohmann::json;

constexpr char kStream[] = "/api/v1/instances/{id}/stream";

struct Args {
  std::string id, devdir, host = "0.0.0.0";
  std::string kind = "linux-mobile", arch = HostArch();
  std::string apps_dir;  // the app records; empty: no app routes
  int port = 7070;
  std::string token;
};

Result<Args> ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (i + 1 >= argc) return Error(ErrorCode::kInvalidArgument, "option " + k + " needs a value");
    std::string v = argv[++i];
    if (k == "--id") {
      a.id = v;
    } else if (k == "--devdir") {
      a.devdir = v;
    } else if (k == "--kind") {
      a.kind = v;
    } else if (k == "--arch") {
      a.arch = v;
    } else if (k == "--apps-dir") {
      a.apps_dir = v;
    } else if (k == "--listen") {
      size_t colon = v.rfind(':');
      char* end = nullptr;
      long port = colon == std::string::npos ? -1 : std::strtol(v.c_str() + colon + 1, &end, 10);
      if (port < 0 || port > 65535 || !end || *end)
        return Error(ErrorCode::kInvalidArgument, "--listen HOST:PORT, not " + v);
      a.host = v.substr(0, colon);
      a.port = static_cast<int>(port);
    } else {
      return Error(ErrorCode::kInvalidArgument, "unknown option " + k);
    }
  }
  if (const char* t = getenv("VMI_GATE_TOKEN")) a.token = t;
  unsetenv("VMI_GATE_TOKEN");
  if (a.id.empty() || a.devdir.empty())
    return Error(ErrorCode::kInvalidArgument,
                 "usage: VMI_GATE_TOKEN=... vmi-gate --id ID --devdir DIR [--listen HOST:PORT] "
                 "[--kind KIND] [--arch ARCH] [--apps-dir DIR]");
  if (a.token.size() < 32)
    return Error(ErrorCode::kInvalidArgument, "VMI_GATE_TOKEN is missing or too short");
  return a;
}

Response FromReply(const devhost::Message& reply, json fields) {
  for (auto& [k, v] : reply.header.items())
    if (k != "ok") fields[k] = v;
  return Response::JsonBody(fields);
}

// The exec agent's answer as the node's exec route gives it.
Result<Response> Exec(const std::string& agent, const Request& req) {
  auto body = VMI_TRY(api::ParseJsonObject(req.body));
  devhost::Message m = devhost::Request("exec");
  for (const char* k : {"argv", "timeout_ms", "max_output"})
    if (body.contains(k)) m.header[k] = body[k];
  int64_t timeout_ms = body.value("timeout_ms", 30000);
  size_t max_output = body.value("max_output", size_t{1} << 20);
  auto reply = VMI_TRY_CTX(
      devhost::Call(agent, m, std::chrono::milliseconds(timeout_ms) + std::chrono::seconds(10)),
      "the instance's exec agent");
  int st = reply.header.value("status", 0);
  size_t out_bytes = std::min(reply.header.value("stdout_bytes", size_t{0}), reply.data.size());
  bool out_cut = reply.header.value("stdout_truncated", false);
  bool err_cut = reply.header.value("stderr_truncated", false);
  int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return Response::JsonBody(json{{"exit_code", code},
                                 {"stdout", reply.data.substr(0, out_bytes)},
                                 {"stderr", reply.data.substr(out_bytes)},
                                 {"stdout_truncated", out_cut},
                                 {"stderr_truncated", err_cut},
                                 {"truncated", out_cut || err_cut},
                                 {"max_output", max_output}});
}

void Register(api::Router& router, const Args& a, const std::string& sock,
              api::SocketBridges& bridges, apps::AppService& apps) {
  const std::string token = a.token;
  router.Use([token](Request& req, const api::Route&) -> Result<void> {
    auto h = req.headers.Get("Authorization");
    if (h && h->starts_with("Bearer ") && api::SecureEquals(h->substr(7), token)) return Ok();
    return Error(ErrorCode::kUnauthenticated, "this port answers the control plane only");
  });
  api::RouteOptions blocking{.blocking = true};
  router.Handle(
      "GET", "/api/v1/instances/{id}/screenshot",
      [sock](Request& req) -> Result<Response> {
        json fields = json::object();
        if (auto w = req.Query("max_width")) fields["max_width"] = *w;
        if (auto f = req.Query("format")) fields["format"] = *f;
        auto reply = VMI_TRY(devhost::Call(sock, devhost::Request("screenshot", fields)));
        return Response::Text(std::move(reply.data), 200,
                              reply.header.value("content_type", "image/png"));
      },
      blocking);
  router.Handle(
      "POST", "/api/v1/instances/{id}/rotate",
      [sock](Request& req) -> Result<Response> {
        auto body = VMI_TRY(api::ParseJsonObject(req.body));
        api::JsonReader r(body);
        auto o = r.Enum("orientation", {"portrait", "landscape"}, true);
        VMI_CHECK_OK(r.Finish(), "rotate");
        auto reply = VMI_TRY(devhost::Call(sock, devhost::Request("rotate", {{"orientation", *o}})));
        return FromReply(reply, {{"orientation", *o}});
      },
      blocking);
  for (const char* method : {"GET", "PUT"}) {
    std::string m = method;
    router.Handle(
        m, "/api/v1/instances/{id}/audio",
        [sock, m](Request& req) -> Result<Response> {
          json fields = json::object();
          if (m == "PUT") {
            auto body = VMI_TRY(api::ParseJsonObject(req.body));
            api::JsonReader r(body);
            auto v = r.Number("volume", false, 0, 1.5);
            auto muted = r.Bool("muted");
            VMI_CHECK_OK(r.Finish(), "audio");
            if (v) fields["volume"] = *v;
            if (muted) fields["muted"] = *muted;
          }
          auto reply = VMI_TRY(devhost::Call(sock, devhost::Request("audio", fields)));
          return FromReply(reply, json::object());
        },
        blocking);
  }
  router.Handle(
      "GET", "/api/v1/instances/{id}/vnc",
      [sock](Request&) -> Result<Response> {
        auto reply = VMI_TRY(devhost::Call(sock, devhost::Request("vnc")));
        return Response::JsonBody(json{{"password", reply.header.value("password", "")}});
      },
      blocking);
  router.HandleWebSocket(
      "/api/v1/instances/{id}/vnc/websocket",
      [sock, &bridges](Request&, std::shared_ptr<api::WebSocket> ws) -> Result<void> {
        bridges.Bridge(std::move(ws), [sock]() -> Result<UniqueFd> {
          auto reply = VMI_TRY(devhost::Call(sock, devhost::Request("vnc")));
          return ConnectTcp(reply.header.value("host", "127.0.0.1"), reply.header.value("port", 0),
                            std::chrono::seconds(5));
        });
        return Ok();
      });
  const std::string agent = a.devdir + "/exec.sock";
  router.Handle(
      "POST", "/api/v1/instances/{id}/exec",
      [agent](Request& req) -> Result<Response> { return Exec(agent, req); }, blocking);
  if (!a.apps_dir.empty())
    RegisterGateAppRoutes(router,
                          {.id = a.id,
                           .kind = a.kind,
                           .arch = a.arch,
                           .devdir = a.devdir,
                           .records_dir = a.apps_dir + "/records",
                           .spool_dir = a.apps_dir + "/spool"},
                          apps);
  // Taken by the hand-off below; the handler runs only if that failed.
  router.HandleWebSocket(kStream, [](Request&, std::shared_ptr<api::WebSocket>) -> Result<void> {
    return Error(ErrorCode::kUnavailable, "the device host did not take the viewer");
  });
}

Result<void> Run(const Args& a) {
  BlockStopSignals();
  const std::string sock = a.devdir + "/devhost.sock";
  auto bridges = std::make_unique<api::SocketBridges>();
  apps::AppService apps({});
  if (!a.apps_dir.empty()) {
    // Uploads are spooled next to the records; a spool left by an earlier
    // gate of this Pod is stale.
    VMI_CHECK_OK(RemoveTree(a.apps_dir + "/spool"), "clear upload spool");
    VMI_CHECK_OK(MakeDirs(a.apps_dir + "/spool", 0700), "upload spool");
    VMI_CHECK_OK(MakeDirs(a.apps_dir + "/records", 0700), "app records");
  }
  api::Router router;
  Register(router, a, sock, *bridges, apps);
  api::ServerOptions so;
  so.tcp_host = a.host;
  so.tcp_port = a.port;
  so.worker_threads = 2;
  so.handoff = [sock](Request&, const api::Route& route,
                      api::HandedOffSocket& s) -> Result<bool> {
    if (route.pattern != kStream) return false;
    devhost::Message m = devhost::Request("viewer");
    m.fd = std::move(s.fd);
    m.data = std::move(s.head);
    auto r = devhost::Call(sock, m);
    if (!r.ok()) return std::move(r).error().Context("hand the viewer to the device host");
    return true;
  };
  auto server = VMI_TRY_CTX(api::Server::Start(so, router), "gate");
  std::cout << "vmi-gate for " << a.id << " listening on " << a.host << ":" << server->tcp_port()
            << std::endl;
  (void)WaitForStopSignal();
  server->Stop();
  bridges.reset();
  return Ok();
}

}  // namespace
}  // namespace vmi::cluster

int main(int argc, char** argv) {
  pthread_setname_np(pthread_self(), "vmi-gate");
  auto args = vmi::cluster::ParseArgs(argc, argv);
  if (!args.ok()) {
    std::cerr << "vmi-gate: " << args.error().ToString() << "\n";
    return 2;
  }
  auto r = vmi::cluster::Run(*args);
  if (!r.ok()) {
    std::cerr << "vmi-gate: " << r.error().ToString() << "\n";
    return 1;
  }
  return 0;
}
