#include "node/api_routes.h"

#include <sys/wait.h>

#include "node/image_catalog.h"
#include "node/instance_limits.h"
#include "node/requests.h"
#include "runtime/core/foreign_arch.h"
#include "runtime/image/win32_builder.h"

namespace vmi::node {

using api::Json;
using api::Request;
using api::Response;

Json InstanceJson(const InstanceManager& m, const InstanceRecord& r) {
  Json j = ToJson(r);
  j.erase("monitor_start_ticks");
  j.erase("vnc_password");  // disclosed only by inspect, to whoever may control it
  j["display_ready"] = r.state == InstanceState::kRunning && m.DisplayReady(r.spec.id);
  return j;
}

Json ExecResultJson(const RunOutput& out, size_t max_output) {
  int code = WIFEXITED(out.status) ? WEXITSTATUS(out.status) : 128 + WTERMSIG(out.status);
  return Json{{"exit_code", code},
              {"stdout", out.out},
              {"stderr", out.err},
              // Output past max_output is discarded, never silently: clients
              // must look at these (the CLI fails when one is set).
              {"stdout_truncated", out.out_truncated},
              {"stderr_truncated", out.err_truncated},
              {"truncated", out.out_truncated || out.err_truncated},
              {"max_output", max_output}};
}

Result<void> CheckInstanceAccess(const InstanceAccessCheck& check, const Request& req,
                                 const InstanceRecord& r, const char* action,
                                 const std::string& key) {
  if (!check) return Ok();
  auto ok = check(req, r, action);
  if (ok.ok()) return ok;
  if (ok.error().code() == ErrorCode::kPermissionDenied ||
      ok.error().code() == ErrorCode::kNotFound)
    return Error(ErrorCode::kNotFound, "no such instance '" + key + "'");
  return std::move(ok).error();
}

Result<InstanceRecord> LookupInstance(InstanceManager& m, const InstanceAccessCheck& check,
                                      const Request& req, const char* action) {
  std::string key(req.Param("id"));
  auto r = VMI_TRY(m.Get(key));
  if (auto ok = CheckInstanceAccess(check, req, r, action, key); !ok.ok())
    return std::move(ok).error();
  return r;
}

namespace {

bool QueryFlag(const Request& req, const char* name) {
  auto v = req.Query(name);
  return v && (*v == "1" || *v == "true" || *v == "yes");
}

}  // namespace

void RegisterInstanceRoutes(api::Router& router, InstanceManager& m, InstanceRouteHooks hooks) {
  InstanceAccessCheck check = hooks.check;
  QuotaLookup quota = hooks.quota;
  // Records the outcome of an operation in the audit log and passes it on.
  auto audited = [audit = hooks.audit](const Request& req, const std::string& action,
                                       const std::string& target, auto result) {
    if (audit) audit(req, "instance." + action, target, result.ok() ? nullptr : &result.error());
    return result;
  };
  auto allowed = [check](const Request& req, const InstanceRecord& r, const char* action) {
    return check ? check(req, r, action) : Ok();
  };
  // Looks the instance up and checks access.
  auto lookup = [&m, check](const Request& req, const char* action) {
    return LookupInstance(m, check, req, action);
  };
  api::RouteOptions blocking{.blocking = true};

  router.Handle("GET", "/api/v1/instances", [&m, allowed](Request& req) -> Result<Response> {
    // ?selector=team%3Dqa: only the instances whose labels match.
    std::optional<LabelSelector> selector;
    if (auto s = req.Query("selector")) selector = VMI_TRY(ParseLabelSelector(*s));
    Json out = Json::array();
    for (const auto& r : m.List())
      if ((!selector || selector->Matches(r.labels)) && allowed(req, r, "list").ok())
        out.push_back(InstanceJson(m, r));
    return Response::JsonBody(out);
  });

  router.Handle(
      "POST", "/api/v1/instances",
      [&m, check, quota, audited](Request& req) -> Result<Response> {
        auto body = VMI_TRY(api::ParseJsonObject(req.body));
        CreateRequest cr;
        auto parsed = VMI_TRY(ParseCreateInstance(body));
        cr.spec = std::move(parsed.spec);
        cr.labels = std::move(parsed.labels);
        cr.owner_id = req.auth.user_id;
        // Every limit comes from the owner's quota, never from the request
        // alone: the request may only ask for less.
        api::QuotaLimits limits;
        if (quota) limits = VMI_TRY_CTX(quota(req), "create instance");
        VMI_CHECK_OK(ApplyResourceLimits(cr.spec, parsed.ask, limits), "create instance");
        if (check) {
          InstanceRecord probe;
          probe.spec = cr.spec;
          probe.owner_id = cr.owner_id;
          VMI_CHECK_OK(check(req, probe, "create"), "create instance");
        }
        std::string target = "instance/" + (cr.spec.name.empty() ? "(unnamed)" : cr.spec.name);
        auto r = VMI_TRY(audited(req, "create", target, m.CreateInstance(cr)));
        target = "instance/" + r.spec.name;
        if (QueryFlag(req, "start")) r = VMI_TRY(audited(req, "start", target, m.Start(r.spec.id)));
        return Response::JsonBody(InstanceJson(m, r), 201);
      },
      blocking);

  router.Handle("GET", "/api/v1/instances/{id}", [&m, lookup](Request& req) -> Result<Response> {
    auto r = VMI_TRY(lookup(req, "inspect"));
    Json j = InstanceJson(m, r);
    j["vnc_password"] = r.vnc_password;
    j["device_dir"] = m.DeviceDir(r.spec.id);
    return Response::JsonBody(j);
  });

  router.Handle(
      "DELETE", "/api/v1/instances/{id}",
      [&m, lookup, audited](Request& req) -> Result<Response> {
        auto r = VMI_TRY(lookup(req, "delete"));
        VMI_CHECK_OK(audited(req, "delete", "instance/" + r.spec.name,
                             m.Remove(r.spec.id, QueryFlag(req, "force"))),
                     "");
        return Response::NoContent();
      },
      blocking);

  for (const char* action : {"start", "stop", "restart"}) {
    std::string a = action;
    router.Handle(
        "POST", "/api/v1/instances/{id}/" + a,
        [&m, lookup, a, audited](Request& req) -> Result<Response> {
          auto r = VMI_TRY(lookup(req, a.c_str()));
          auto op = [&]() -> Result<InstanceRecord> {
            if (a == "start") return m.Start(r.spec.id);
            if (a == "stop") return m.Stop(r.spec.id);
            return m.Restart(r.spec.id);
          };
          InstanceRecord out = VMI_TRY(audited(req, a, "instance/" + r.spec.name, op()));
          return Response::JsonBody(InstanceJson(m, out));
        },
        blocking);
  }

  router.Handle(
      "POST", "/api/v1/instances/{id}/exec",
      [&m, lookup, audited](Request& req) -> Result<Response> {
        auto r = VMI_TRY(lookup(req, "exec"));
        auto body = VMI_TRY(api::ParseJsonObject(req.body));
        auto ex = VMI_TRY(ParseExec(body));
        auto out = VMI_TRY(audited(req, "exec", "instance/" + r.spec.name,
                                   m.Exec(r.spec.id, ex.argv, ex.timeout, ex.max_output)));
        return Response::JsonBody(ExecResultJson(out, ex.max_output));
      },
      blocking);

  router.Handle(
      "GET", "/api/v1/instances/{id}/logs",
      [&m, lookup](Request& req) -> Result<Response> {
        auto r = VMI_TRY(lookup(req, "logs"));
        size_t tail = VMI_TRY(ParseLogTail(req.Query("tail_bytes")));
        return Response::Text(VMI_TRY(m.Logs(r.spec.id, tail)));
      },
      blocking);
}

void RegisterImageRoutes(api::Router& router, ImageCatalog& images, InstanceManager& m,
                         ImageChangeCheck may_change, InstanceAudit audit) {
  api::RouteOptions blocking{.blocking = true};
  auto change = [may_change](const Request& req) { return may_change ? may_change(req) : Ok(); };
  auto audited = [audit](const Request& req, const std::string& action, const std::string& target,
                         auto result) {
    if (audit) audit(req, "image." + action, target, result.ok() ? nullptr : &result.error());
    return result;
  };
  router.Handle(
      "GET", "/api/v1/images",
      [&images](Request&) -> Result<Response> {
        Json out = Json::array();
        for (auto& j : VMI_TRY(images.List())) out.push_back(j);
        return Response::JsonBody(out);
      },
      blocking);
  router.Handle(
      "POST", "/api/v1/images",
      [&images, &m, change, audited](Request& req) -> Result<Response> {
        VMI_CHECK_OK(change(req), "image");
        auto body = VMI_TRY(api::ParseJsonObject(req.body));
        auto ir = VMI_TRY(ParseImageRequest(body));
        if (!ir.build.empty()) {
          // Without a name the image is called after its kind.
          std::string n = ir.name.empty() ? ir.build : ir.name;
          return Response::JsonBody(
              VMI_TRY(audited(req, "build", "image/" + n,
                              images.Build(n, ir.build, m.ImageInUse(n), ir.arch))),
              201);
        }
        return Response::JsonBody(
            VMI_TRY(audited(req, "import", "image/" + ir.name, images.Import(ir.name, ir.path))),
            201);
      },
      blocking);
  router.Handle(
      "POST", "/api/v1/images/{name}/export",
      [&images, change, audited](Request& req) -> Result<Response> {
        // Writes files on the node: an image change, as import is.
        VMI_CHECK_OK(change(req), "image");
        std::string name(req.Param("name"));
        auto er = VMI_TRY(ParseImageExportRequest(VMI_TRY(api::ParseJsonObject(req.body))));
        bool as_tar = !er.tar.empty();
        return Response::JsonBody(VMI_TRY(audited(
            req, "export", "image/" + name,
            images.Export(name, as_tar ? er.tar : er.oci, as_tar, er.tag))));
      },
      blocking);
  router.Handle(
      "DELETE", "/api/v1/images/{name}",
      [&images, &m, change, audited](Request& req) -> Result<Response> {
        VMI_CHECK_OK(change(req), "image");
        std::string name(req.Param("name"));
        VMI_CHECK_OK(
            audited(req, "delete", "image/" + name, images.Remove(name, m.ImageInUse(name))),
            "remove image");
        return Response::NoContent();
      },
      blocking);
}

namespace {

// The CPU architectures this host runs, natively or translated.
Json Architectures() {
  Json out = Json::array();
  for (const auto& a : runtime::ProbeArchitectures())
    out.push_back(
        {{"arch", a.arch}, {"runnable", a.runnable}, {"how", a.how}, {"missing", a.missing}});
  return out;
}

// Which Wine a win32 image built now would use, and its 32-bit path.
Json Win32Support() {
  auto wine = image::FindWine();
  if (!wine.ok()) return {{"available", false}, {"note", wine.error().message()}};
  std::string note =
      wine->i386 == "wow64"    ? "32-bit programs run in the new WoW64 mode (cached Wine build)"
      : wine->i386 == "wine32" ? "32-bit programs run with Debian's wine32 (ia32 emulation)"
                               : "64-bit programs only: this kernel runs no i386 binaries; build "
                                 "the WoW64 Wine with scripts/build-wine-wow64.sh (wine32 under "
                                 "qemu-i386 needs QEMU >= 8 and is not wired: docs/win32.md)";
  return {{"available", true},
          {"wine", wine->wine},
          {"version", wine->version},
          {"i386", wine->i386},
          {"note", note}};
}

}  // namespace

void RegisterNodeRoutes(api::Router& router, InstanceManager& m) {
  router.Handle("GET", "/api/v1/node", [&m](Request&) -> Result<Response> {
    const auto& h = m.host();
    int running = 0;
    auto list = m.List();
    double cpus = 0;
    int64_t memory = 0;
    for (const auto& r : list) {
      if (r.state == InstanceState::kRunning) {
        ++running;
        cpus += r.spec.cpus;
        memory += r.spec.memory_bytes;
      }
    }
    return Response::JsonBody(Json{
        {"runtime", h.runtime},
        {"runtime_path", h.runtime_path},
        {"runtime_version", h.runtime_version},
        {"runtime_note", h.runtime_note},
        {"cgroup_mode", runtime::CgroupModeName(h.cgroup_mode)},
        {"hybrid_cgroup_workaround", h.hide_cgroup2_controllers},
        {"user_namespaces", h.user_namespaces},
        {"overlayfs", h.overlayfs},
        {"binder", h.binderfs},
        {"guest_limits_view", m.limit_view() ? "lxcfs" : "host"},
        {"guest_limits_view_note", m.limit_view_status()},
        {"kernel", h.kernel},
        {"capacity", {{"cpus", h.cpus}, {"memory", h.memory_bytes}}},
        {"usage",
         {{"instances", list.size()}, {"running", running}, {"cpus", cpus}, {"memory", memory}}},
        {"architectures", Architectures()},
        {"win32", Win32Support()},
        {"limits",
         {{"max_instances", 65000},
          {"max_cpus_per_instance", h.cpus},
          {"max_memory_per_instance", h.memory_bytes}}},
    });
  });
}

}  // namespace vmi::node
