#include "node/live/live_routes.h"

#include "node/live/thumbnail.h"
#include "node/live/viewer_socket.h"

namespace vmi::node::live {

using api::Json;
using api::Request;
using api::Response;

Result<Orientation> ParseRotateBody(const std::string& body) {
  auto j = VMI_TRY(api::ParseJsonObject(body));
  auto it = j.find("orientation");
  if (it == j.end() || !it->is_string())
    return Error(ErrorCode::kInvalidArgument,
                 "body must be {\"orientation\": \"portrait\" | \"landscape\"}");
  for (const auto& [k, v] : j.items()) {
    if (k != "orientation") return Error(ErrorCode::kInvalidArgument, "unknown field '" + k + "'");
  }
  return ParseOrientation(it->get<std::string>());
}

void RegisterLiveRoutes(api::Router& router, InstanceManager& instances, LiveService& live,
                        InstanceAccessCheck check, ViewerLimits* viewers) {
  // The running instance's services, after the access check; unknown and
  // forbidden look the same to a caller who may not see the instance.
  auto services = [&live, check](const Request& req,
                                 const char* action) -> Result<std::shared_ptr<InstanceLive>> {
    std::string key(req.Param("id"));
    auto r = VMI_TRY(live.Find(key));
    if (auto ok = CheckInstanceAccess(check, req, r, action, key); !ok.ok())
      return std::move(ok).error();
    if (r.state != InstanceState::kRunning)
      return Error(
          ErrorCode::kFailedPrecondition,
          "instance '" + r.spec.name + "' is " + InstanceStateName(r.state) + ", not running");
    return live.Get(r.spec.id);
  };
  api::RouteOptions blocking{.blocking = true};

  router.HandleWebSocket(
      "/api/v1/instances/{id}/stream",
      [services, viewers](Request& req, std::shared_ptr<api::WebSocket> ws) -> Result<void> {
        auto inst = VMI_TRY(services(req, "stream"));
        // ?audio=0: no sound on this connection (a wall tile; the page
        // plays the mix of GET /api/v1/audio/mix instead).
        auto audio = req.Query("audio");
        if (audio && *audio != "0" && *audio != "1")
          return Error(ErrorCode::kInvalidArgument, "audio must be 0 or 1");
        std::shared_ptr<ViewerLimits::Ticket> ticket;
        if (viewers) ticket = VMI_TRY(viewers->Acquire(inst->id(), req.auth.user_id));
        return AttachViewer(std::move(inst), std::move(ws), !audio || *audio == "1",
                            std::move(ticket));
      });

  router.Handle(
      "GET", "/api/v1/instances/{id}/screenshot",
      [services, &instances](Request& req) -> Result<Response> {
        auto inst = VMI_TRY(services(req, "screenshot"));
        auto max_width = req.Query("max_width");
        auto format = req.Query("format");
        auto options = VMI_TRY(
            ParseScreenshotOptions(max_width ? &*max_width : nullptr, format ? &*format : nullptr));
        auto image = inst->Screenshot(options);
        if (!image.ok()) {
          if (image.error().code() == ErrorCode::kUnavailable &&
              !instances.DisplayReady(inst->id()))
            return Error(ErrorCode::kUnavailable,
                         "the display of instance " + inst->id() + " is not ready yet");
          return std::move(image).error();
        }
        Response r;
        r.headers.Set("Cache-Control", "no-store");
        r.headers.Set("Content-Type", image->content_type);
        r.body = std::move(image->data);
        return r;
      },
      blocking);

  router.Handle(
      "POST", "/api/v1/instances/{id}/rotate",
      [services](Request& req) -> Result<Response> {
        auto inst = VMI_TRY(services(req, "rotate"));
        auto o = VMI_TRY(ParseRotateBody(req.body));
        auto size = VMI_TRY(inst->Rotate(o));
        return Response::JsonBody(Json{
            {"orientation", OrientationName(o)}, {"width", size.width}, {"height", size.height}});
      },
      blocking);

  router.Handle(
      "GET", "/api/v1/instances/{id}/vnc",
      [services](Request& req) -> Result<Response> {
        auto inst = VMI_TRY(services(req, "vnc"));
        auto v = VMI_TRY(inst->Vnc());
        return Response::JsonBody(
            Json{{"host", v.host}, {"port", v.port}, {"password", v.password}});
      },
      blocking);
}

}  // namespace vmi::node::live
