// GET /api/v1/audit (admin): newest first; ?user_id=&action=&before=&limit=.
#include "api/management.h"

namespace vmi::api {

namespace {
Result<std::optional<int64_t>> OptIntQuery(const Request& req, const std::string& name) {
  auto v = req.Query(name);
  if (!v || v->empty()) return std::optional<int64_t>();
  char* end = nullptr;
  long long n = strtoll(v->c_str(), &end, 10);
  if (*end != '\0' || n < 0) return Error(ErrorCode::kInvalidArgument, name + " must be a number");
  return std::optional<int64_t>(n);
}
}  // namespace

void RegisterAuditRoutes(Router& router, Management& m) {
  router.Handle("GET", "/api/v1/audit", [&m](Request& req) -> Result<Response> {
    VMI_CHECK_OK(m.authorizer().RequireAdmin(req.auth), "audit log");
    AuditQuery q;
    q.user_id = VMI_TRY(OptIntQuery(req, "user_id"));
    q.before_id = VMI_TRY(OptIntQuery(req, "before"));
    q.limit = VMI_TRY(OptIntQuery(req, "limit")).value_or(100);
    q.action = req.Query("action").value_or("");
    if (q.action.size() > 64) return Error(ErrorCode::kInvalidArgument, "action is too long");
    auto entries = VMI_TRY(m.audit().List(q));
    Json list = Json::array();
    for (const auto& e : entries) list.push_back(e.ToJson());
    return Response::JsonBody({{"entries", list}});
  }, {.blocking = true});
}

}  // namespace vmi::api
