// GET /metrics, GET /api/v1/openapi.json, GET /api/v1/health, GET /healthz, GET /readyz.
#include "api/management.h"
#include "base/file.h"

#ifndef VMI_OPENAPI_PATH
#define VMI_OPENAPI_PATH "docs/api/openapi.json"
#endif

namespace vmi::api {

void RegisterSystemRoutes(Router& router, Management& m) {
  router.Handle("GET", "/metrics", [&m](Request& req) -> Result<Response> {
    if (!m.options().metrics_public) {
      VMI_CHECK_OK(m.authorizer().RequireAdmin(req.auth), "metrics");
    }
    return Response::Text(m.metrics().Render(), 200, "text/plain; version=0.0.4; charset=utf-8");
  }, {.blocking = true, .public_route = true});

  std::string path = m.options().openapi_path.empty() ? VMI_OPENAPI_PATH : m.options().openapi_path;
  router.Handle("GET", "/api/v1/openapi.json", [path](Request&) -> Result<Response> {
    auto doc = VMI_TRY_CTX(ReadFile(path), "OpenAPI document");
    return Response::Text(std::move(doc), 200, "application/json");
  }, {.blocking = true, .public_route = true});

  router.Handle("GET", "/api/v1/health", [](Request&) -> Result<Response> {
    return Response::JsonBody({{"status", "ok"}});
  }, {.public_route = true});

  // Probes (Kubernetes and load balancers). Liveness: the process answers.
  // Readiness: it can also reach its database, without which it can serve
  // nothing; a replica that lost it is taken out of the Service.
  router.Handle("GET", "/healthz", [](Request&) -> Result<Response> {
    return Response::Text("ok\n");
  }, {.public_route = true});
  router.Handle("GET", "/readyz", [&m](Request&) -> Result<Response> {
    auto r = m.db().QueryOne("SELECT 1");
    if (!r.ok()) return Response::Text("database: " + r.error().ToString() + "\n", 503);
    return Response::Text("ok\n");
  }, {.blocking = true, .public_route = true});
}

}  // namespace vmi::api
