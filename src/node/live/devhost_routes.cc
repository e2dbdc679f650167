#include "node/live/devhost_routes.h"

#include <cerrno>
#include <cmath>

#include "base/log.h"
#include "base/tcp.h"

#include "devices/host/control_client.h"
#include "node/live/audio_routes.h"
#include "node/live/live_routes.h"
#include "stream/video/thumbnail.h"

namespace vmi::node::live {

using api::Json;
using api::Request;
using api::Response;

namespace {

Json SettingsJson(const audio::AudioSettings& s) {
  return Json{{"volume", std::round(static_cast<double>(s.volume) * 1000) / 1000},
              {"muted", s.muted}};
}

}  // namespace

std::function<Result<bool>(Request&, const api::Route&, api::HandedOffSocket&)>
DeviceHostHandoff(DeviceHosts& hosts, InstanceAccessCheck check, ViewerLimits* viewers) {
  return [&hosts, check, viewers](Request& req, const api::Route& route,
                                  api::HandedOffSocket& s) -> Result<bool> {
    if (route.pattern != "/api/v1/instances/{id}/stream") return false;
    std::string key(req.Param("id"));
    auto rec = VMI_TRY(hosts.Find(key));
    if (auto ok = CheckInstanceAccess(check, req, rec, "stream", key); !ok.ok())
      return std::move(ok).error();
    if (rec.state != InstanceState::kRunning)
      return Error(ErrorCode::kFailedPrecondition, "instance '" + rec.spec.name + "' is " +
                                                       InstanceStateName(rec.state) +
                                                       ", not running");
    // ?audio=0: no sound on this connection (a wall tile).
    auto audio = req.Query("audio");
    if (audio && *audio != "0" && *audio != "1")
      return Error(ErrorCode::kInvalidArgument, "audio must be 0 or 1");
    const std::string& id = rec.spec.id;
    // The caps are the daemon's: it sees every instance's viewers. The
    // ticket rides on the lease the device host answers with, which hangs
    // up when the viewer leaves.
    std::shared_ptr<ViewerLimits::Ticket> ticket;
    if (viewers) ticket = VMI_TRY(viewers->Acquire(id, req.auth.user_id));
    devhost::Message m = devhost::Request("viewer");
    m.fd = std::move(s.fd);
    m.data = std::move(s.head);
    auto r = hosts.Call(id, m, std::chrono::seconds(2), /*wait_ready=*/false);
    if (r.ok()) {
      if (r->fd && ticket) hosts.HoldWhileOpen(std::move(r->fd), std::move(ticket));
      return true;
    }
    if (r.error().code() == ErrorCode::kUnavailable &&
        (r.error().err_no() == ENOENT || r.error().err_no() == ECONNREFUSED)) {
      s.fd = std::move(m.fd);  // never sent: the error is answered on it
      return std::move(r).error();
    }
    // Sent, but no answer: the device host may be serving the viewer
    // already, so nothing more may be written here. If it is not, the client
    // sees the connection close and reconnects.
    VMI_ILOG(WARN, id) << "viewer hand-off: " << r.error().ToString();
    return true;
  };
}

void RegisterDeviceHostRoutes(api::Router& router, InstanceManager& instances, DeviceHosts& hosts,
                              InstanceAccessCheck check, api::SocketBridges* vnc_bridges) {
  // The running instance's id, after the access check; unknown and
  // forbidden look the same to a caller who may not see the instance.
  auto running = [&hosts, check](const Request& req, const char* action) -> Result<std::string> {
    std::string key(req.Param("id"));
    auto r = VMI_TRY(hosts.Find(key));
    if (auto ok = CheckInstanceAccess(check, req, r, action, key); !ok.ok())
      return std::move(ok).error();
    if (r.state != InstanceState::kRunning)
      return Error(
          ErrorCode::kFailedPrecondition,
          "instance '" + r.spec.name + "' is " + InstanceStateName(r.state) + ", not running");
    return r.spec.id;
  };
  api::RouteOptions blocking{.blocking = true};

  // The route is matched here and served by the device host: the server's
  // handoff hook (DeviceHostHandoff) takes every upgrade, over TLS through
  // its relay. Reached only by a server without that hook.
  router.HandleWebSocket(
      "/api/v1/instances/{id}/stream",
      [running](Request& req, std::shared_ptr<api::WebSocket>) -> Result<void> {
        (void)VMI_TRY(running(req, "stream"));
        return Error(ErrorCode::kUnavailable,
                     "the live view is served by the instance's device host, and this server "
                     "does not hand connections over");
      });

  router.Handle(
      "GET", "/api/v1/instances/{id}/screenshot",
      [running, &hosts, &instances](Request& req) -> Result<Response> {
        std::string id = VMI_TRY(running(req, "screenshot"));
        auto max_width = req.Query("max_width");
        auto format = req.Query("format");
        (void)VMI_TRY(video::ParseScreenshotOptions(max_width ? &*max_width : nullptr,
                                       format ? &*format : nullptr));
        Json fields = Json::object();
        if (max_width) fields["max_width"] = *max_width;
        if (format) fields["format"] = *format;
        auto image = hosts.Call(id, devhost::Request("screenshot", fields));
        if (!image.ok()) {
          if (image.error().code() == ErrorCode::kUnavailable && !instances.DisplayReady(id))
            return Error(ErrorCode::kUnavailable,
                         "the display of instance " + id + " is not ready yet");
          return std::move(image).error();
        }
        Response r;
        r.headers.Set("Cache-Control", "no-store");
        r.headers.Set("Content-Type", image->header.value("content_type", "image/png"));
        r.body = std::move(image->data);
        return r;
      },
      blocking);

  router.Handle(
      "POST", "/api/v1/instances/{id}/rotate",
      [running, &hosts](Request& req) -> Result<Response> {
        std::string id = VMI_TRY(running(req, "rotate"));
        auto o = VMI_TRY(ParseRotateBody(req.body));
        auto r = VMI_TRY(
            hosts.Call(id, devhost::Request("rotate", {{"orientation", display::OrientationName(o)}})));
        return Response::JsonBody(Json{{"orientation", display::OrientationName(o)},
                                       {"width", r.header.value("width", 0)},
                                       {"height", r.header.value("height", 0)}});
      },
      blocking);

  router.Handle(
      "GET", "/api/v1/instances/{id}/vnc",
      [running, &hosts, vnc_bridges](Request& req) -> Result<Response> {
        std::string id = VMI_TRY(running(req, "vnc"));
        auto r = VMI_TRY(hosts.Call(id, devhost::Request("vnc")));
        Json out{{"host", r.header.value("host", "")},
                 {"port", r.header.value("port", 0)},
                 {"password", r.header.value("password", "")}};
        if (vnc_bridges) out["websocket"] = "/api/v1/instances/" + id + "/vnc/websocket";
        return Response::JsonBody(out);
      },
      blocking);
  if (vnc_bridges) {
    // Checked here (a refusal is an HTTP answer); the device host is asked
    // and connected to on the bridge's thread, never on the io thread.
    router.HandleWebSocket(
        "/api/v1/instances/{id}/vnc/websocket",
        [running, &hosts, vnc_bridges](Request& req, std::shared_ptr<api::WebSocket> ws)
            -> Result<void> {
          std::string id = VMI_TRY(running(req, "vnc"));
          vnc_bridges->Bridge(std::move(ws), [&hosts, id]() -> Result<UniqueFd> {
            auto r = VMI_TRY(hosts.Call(id, devhost::Request("vnc")));
            return ConnectTcp(r.header.value("host", "127.0.0.1"), r.header.value("port", 0),
                              std::chrono::seconds(5));
          });
          return Ok();
        });
  }

  // A stopped instance keeps its settings, so these need not run.
  auto known = [&hosts, check](const Request& req, const char* action) -> Result<std::string> {
    std::string key(req.Param("id"));
    auto r = VMI_TRY(hosts.Find(key));
    if (auto ok = CheckInstanceAccess(check, req, r, action, key); !ok.ok())
      return std::move(ok).error();
    return r.spec.id;
  };
  router.Handle(
      "GET", "/api/v1/instances/{id}/audio",
      [known, &hosts](Request& req) -> Result<Response> {
        std::string id = VMI_TRY(known(req, "stream"));
        return Response::JsonBody(SettingsJson(hosts.settings(id)));
      },
      blocking);
  router.Handle(
      "PUT", "/api/v1/instances/{id}/audio",
      [known, &hosts](Request& req) -> Result<Response> {
        std::string id = VMI_TRY(known(req, "control"));
        auto s = VMI_TRY(ParseAudioBody(req.body, hosts.settings(id)));
        VMI_CHECK_OK(hosts.SetSettings(id, s), "instance " + id);
        return Response::JsonBody(SettingsJson(s));
      },
      blocking);

  // The wall's and `vmi listen`'s mix, from the device hosts' audio taps.
  RegisterMixRoutes(
      router, [&hosts](const std::string& key) { return hosts.Find(key); }, check,
      hosts.mixer());
}

}  // namespace vmi::node::live
