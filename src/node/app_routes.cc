#include "node/app_routes.h"

namespace vmi::node {
namespace {

using api::Json;
using api::Request;
using api::Response;

}  // namespace

void RegisterAppRoutes(api::Router& router, InstanceManager& m, ImageResolver& images,
                       apps::AppService& service, AppRouteOptions options,
                       InstanceRouteHooks hooks) {
  InstanceAccessCheck check = hooks.check;
  auto audited = [audit = hooks.audit](const Request& req, const std::string& action,
                                       const std::string& target, auto result) {
    if (audit) audit(req, "app." + action, target, result.ok() ? nullptr : &result.error());
    return result;
  };
  // The instance, access-checked, as the app service sees it.
  auto target = [&m, &images, check](const Request& req,
                                     const char* action) -> Result<apps::AppTarget> {
    auto r = VMI_TRY(LookupInstance(m, check, req, action));
    auto image = VMI_TRY_CTX(images.Resolve(r.spec.image), "instance '" + r.spec.name + "'");
    apps::AppTarget t;
    t.id = r.spec.id;
    t.name = r.spec.name;
    t.kind = image.kind;
    t.arch = image.arch;
    t.wine_i386 = !image.wine_i386.empty();
    t.running = r.state == InstanceState::kRunning;
    t.dev_dir = m.DeviceDir(r.spec.id);
    t.state_dir = t.dev_dir.substr(0, t.dev_dir.rfind('/')) + "/apps";
    std::string id = r.spec.id;
    t.exec = [&m, id](const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
      return m.Exec(id, argv, timeout, 1 << 20);
    };
    return t;
  };
  auto app_json = [](const apps::AppRecord& a) { return apps::AppToJson(a); };

  router.Handle(
      "GET", "/api/v1/instances/{id}/apps",
      [target, &service, app_json](Request& req) -> Result<Response> {
        auto t = VMI_TRY(target(req, "inspect"));
        Json list = Json::array();
        for (const auto& a : VMI_TRY(service.List(t))) list.push_back(app_json(a));
        Json install = nullptr;
        if (auto s = service.Status(t.id))
          install = {
              {"file", s->file}, {"phase", s->phase}, {"bytes", s->bytes}, {"started", s->started}};
        return Response::JsonBody(Json{{"kind", t.kind}, {"apps", list}, {"install", install}});
      },
      {.blocking = true});

  router.Handle(
      "POST", "/api/v1/instances/{id}/apps",
      [target, &service, audited, app_json](Request& req) -> Result<Response> {
        auto t = VMI_TRY(target(req, "exec"));
        auto file = req.Query("file");
        if (!file || file->empty() || file->size() > 255 || file->find('/') != std::string::npos)
          return Error(ErrorCode::kInvalidArgument,
                       "give the file's name as ?file=NAME (its extension tells the installer)");
        std::chrono::seconds timeout{0};
        if (auto ts = req.Query("timeout_s")) {
          char* end = nullptr;
          long v = strtol(ts->c_str(), &end, 10);
          if (ts->empty() || *end || v < 1 || v > 3600)
            return Error(ErrorCode::kInvalidArgument, "timeout_s must be 1..3600");
          timeout = std::chrono::seconds(v);
        }
        auto rec = VMI_TRY(audited(req, "install", "instance/" + t.name + "/" + *file,
                                   service.Install(t, req.body_file, *file, timeout)));
        return Response::JsonBody(app_json(rec), 201);
      },
      {.blocking = true,
       .max_body_bytes = options.max_upload_bytes,
       .spool_dir = options.spool_dir});

  router.Handle("DELETE", "/api/v1/instances/{id}/apps/{app}",
                [target, &service, audited](Request& req) -> Result<Response> {
                  auto t = VMI_TRY(target(req, "exec"));
                  std::string app(req.Param("app"));
                  if (auto ok = audited(req, "remove", "instance/" + t.name + "/" + app,
                                        service.Remove(t, app));
                      !ok.ok())
                    return std::move(ok).error();
                  return Response::NoContent();
                },
                {.blocking = true});

  router.Handle("POST", "/api/v1/instances/{id}/apps/{app}/start",
                [target, &service, audited](Request& req) -> Result<Response> {
                  auto t = VMI_TRY(target(req, "control"));
                  std::string app(req.Param("app"));
                  size_t entry = 0;
                  if (auto e = req.Query("entry")) {
                    char* end = nullptr;
                    long v = strtol(e->c_str(), &end, 10);
                    if (e->empty() || *end || v < 0 || v > 1000)
                      return Error(ErrorCode::kInvalidArgument, "entry must be 0..1000");
                    entry = static_cast<size_t>(v);
                  }
                  if (auto ok = audited(req, "start", "instance/" + t.name + "/" + app,
                                        service.Start(t, app, entry));
                      !ok.ok())
                    return std::move(ok).error();
                  return Response::JsonBody(Json{{"started", app}});
                },
                {.blocking = true});
}

}  // namespace vmi::node
