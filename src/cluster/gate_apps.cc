#include "cluster/gate_apps.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "devices/host/control_client.h"

namespace vmi::cluster {
namespace {

using api::Request;
using api::Response;
using nlohmann::json;

// A number query parameter in [lo, hi]; `fallback` when absent.
Result<long> QueryNumber(const Request& req, const char* name, long lo, long hi, long fallback) {
  auto v = req.Query(name);
  if (!v) return fallback;
  char* end = nullptr;
  long n = strtol(v->c_str(), &end, 10);
  if (v->empty() || *end || n < lo || n > hi)
    return Error(ErrorCode::kInvalidArgument, std::string(name) + " must be " +
                                                  std::to_string(lo) + ".." + std::to_string(hi));
  return n;
}

}  // namespace

Result<RunOutput> RunInGuest(const std::string& agent, const std::vector<std::string>& argv,
                             std::chrono::milliseconds timeout, size_t max_output) {
  devhost::Message m = devhost::Request("exec");
  m.header["argv"] = argv;
  m.header["timeout_ms"] = timeout.count();
  m.header["max_output"] = max_output;
  auto reply = VMI_TRY_CTX(devhost::Call(agent, m, timeout + std::chrono::seconds(10)),
                           "the instance's exec agent");
  RunOutput out;
  out.status = reply.header.value("status", 0);
  size_t n = std::min(reply.header.value("stdout_bytes", size_t{0}), reply.data.size());
  out.out = reply.data.substr(0, n);
  out.err = reply.data.substr(n);
  out.out_truncated = reply.header.value("stdout_truncated", false);
  out.err_truncated = reply.header.value("stderr_truncated", false);
  return out;
}

std::string HostArch() {
  utsname u{};
  uname(&u);
  std::string m = u.machine;
  return m == "aarch64" ? "arm64" : m;
}

void RegisterGateAppRoutes(api::Router& router, const GateAppOptions& o,
                           apps::AppService& service) {
  const std::string agent = o.devdir + "/exec.sock";
  // The Pod's guest as the app service sees it: running (this gate answers
  // only while the Pod does), its device directory and its exec agent.
  apps::AppTarget target;
  target.id = target.name = o.id;
  target.kind = o.kind;
  target.arch = o.arch;
  target.running = true;
  target.dev_dir = o.devdir;
  target.state_dir = o.records_dir;
  target.exec = [agent](const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    return RunInGuest(agent, argv, timeout);
  };
  api::RouteOptions blocking{.blocking = true};

  router.Handle(
      "GET", "/api/v1/instances/{id}/apps",
      [target, &service](Request&) -> Result<Response> {
        json list = json::array();
        for (const auto& a : VMI_TRY(service.List(target))) list.push_back(apps::AppToJson(a));
        json install = nullptr;
        if (auto s = service.Status(target.id))
          install = {
              {"file", s->file}, {"phase", s->phase}, {"bytes", s->bytes}, {"started", s->started}};
        return Response::JsonBody(json{{"kind", target.kind}, {"apps", list}, {"install", install}});
      },
      blocking);

  router.Handle(
      "POST", "/api/v1/instances/{id}/apps",
      [target, &service](Request& req) -> Result<Response> {
        // The server removes the spool file after the handler unless
        // Install moved it into the device directory.
        auto file = req.Query("file");
        if (!file || file->empty() || file->size() > 255 || file->find('/') != std::string::npos)
          return Error(ErrorCode::kInvalidArgument,
                       "give the file's name as ?file=NAME (its extension tells the installer)");
        long timeout = VMI_TRY(QueryNumber(req, "timeout_s", 1, 3600, 0));
        auto rec = VMI_TRY(
            service.Install(target, req.body_file, *file, std::chrono::seconds(timeout)));
        return Response::JsonBody(apps::AppToJson(rec), 201);
      },
      {.blocking = true, .max_body_bytes = o.max_upload_bytes, .spool_dir = o.spool_dir});

  router.Handle(
      "DELETE", "/api/v1/instances/{id}/apps/{app}",
      [target, &service](Request& req) -> Result<Response> {
        if (auto ok = service.Remove(target, std::string(req.Param("app"))); !ok.ok())
          return std::move(ok).error();
        return Response::NoContent();
      },
      blocking);

  router.Handle(
      "POST", "/api/v1/instances/{id}/apps/{app}/start",
      [target, &service](Request& req) -> Result<Response> {
        long entry = VMI_TRY(QueryNumber(req, "entry", 0, 1000, 0));
        std::string app(req.Param("app"));
        if (auto ok = service.Start(target, app, static_cast<size_t>(entry)); !ok.ok())
          return std::move(ok).error();
        return Response::JsonBody(json{{"started", app}});
      },
      blocking);
}

}  // namespace vmi::cluster
