// Users and quotas (admin): /api/v1/users, /api/v1/users/{id},
// /api/v1/users/{id}/quota (a user may read their own quota).
#include "api/json_reader.h"
#include "api/management.h"
#include "api/request_validation.h"

namespace vmi::api {

namespace {

Result<QuotaLimits> ReadLimits(const Json& j, QuotaLimits base) {
  return ParseQuotaLimits(j, base);
}

Json UserWithQuota(Management& m, const User& u) {
  Json j = u.ToJson();
  auto q = m.quotas().Get(u.id);
  if (q.ok()) j["quota"] = q->ToJson();
  return j;
}

}  // namespace

void RegisterUserRoutes(Router& router, Management& m) {
  RouteOptions blocking{.blocking = true};

  router.Handle("GET", "/api/v1/users", [&m](Request& req) -> Result<Response> {
    VMI_CHECK_OK(m.authorizer().RequireAdmin(req.auth), "list users");
    auto users = VMI_TRY(m.users().List());
    Json list = Json::array();
    for (const auto& u : users) list.push_back(UserWithQuota(m, u));
    return Response::JsonBody({{"users", list}});
  }, blocking);

  router.Handle("POST", "/api/v1/users", [&m](Request& req) -> Result<Response> {
    VMI_CHECK_OK(m.authorizer().RequireAdmin(req.auth), "create user");
    auto parsed = VMI_TRY(ParseCreateUser(req.body, m.quotas().defaults()));
    auto* name = &parsed.name;
    QuotaLimits limits = parsed.quota.value_or(m.quotas().defaults());
    std::optional<std::string> role = RoleName(parsed.role);
    auto user = m.users().Create(parsed.name, parsed.password, parsed.role);
    if (!user.ok()) {
      m.audit().Record(req, "user.create", "user/" + *name, "failed", user.error().ToString());
      return std::move(user).error();
    }
    VMI_CHECK_OK(m.quotas().SetLimits(user->id, limits), "set quota");
    m.audit().Record(req, "user.create", "user/" + user->name, "ok", role.value_or("user"));
    return Response::JsonBody(UserWithQuota(m, *user), 201);
  }, {.blocking = true, .max_body_bytes = 8192});

  router.Handle("GET", "/api/v1/users/{id}", [&m](Request& req) -> Result<Response> {
    int64_t id = VMI_TRY(IdParam(req, "id"));
    VMI_CHECK_OK(m.authorizer().Check(req.auth, Action::kRead, id, "user " + std::to_string(id)), "get user");
    auto user = VMI_TRY(m.users().Get(id));
    return Response::JsonBody(UserWithQuota(m, user));
  }, blocking);

  router.Handle("PATCH", "/api/v1/users/{id}", [&m](Request& req) -> Result<Response> {
    VMI_CHECK_OK(m.authorizer().RequireAdmin(req.auth), "update user");
    int64_t id = VMI_TRY(IdParam(req, "id"));
    auto body = VMI_TRY(ParseJsonObject(req.body));
    JsonReader r(body);
    auto role = r.Enum("role", {"user", "admin"});
    auto disabled = r.Bool("disabled");
    auto password = r.String("password", {.max_len = 1024});
    VMI_CHECK_OK(r.Finish(), "update user");
    std::optional<Role> new_role;
    if (role) new_role = ParseRole(*role);
    auto user = m.users().Update(id, new_role, disabled, password);
    std::string target = "user/" + std::to_string(id);
    if (!user.ok()) {
      m.audit().Record(req, "user.update", target, "failed", user.error().ToString());
      return std::move(user).error();
    }
    std::string what;
    if (role) what += "role=" + *role + " ";
    if (disabled) what += std::string("disabled=") + (*disabled ? "true " : "false ");
    if (password) what += "password ";
    m.audit().Record(req, "user.update", "user/" + user->name, "ok", what);
    return Response::JsonBody(UserWithQuota(m, *user));
  }, {.blocking = true, .max_body_bytes = 8192});

  router.Handle("DELETE", "/api/v1/users/{id}", [&m](Request& req) -> Result<Response> {
    VMI_CHECK_OK(m.authorizer().RequireAdmin(req.auth), "delete user");
    int64_t id = VMI_TRY(IdParam(req, "id"));
    auto user = VMI_TRY(m.users().Get(id));
    auto r = m.users().Delete(id);
    if (!r.ok()) {
      m.audit().Record(req, "user.delete", "user/" + user.name, "failed", r.error().ToString());
      return std::move(r).error();
    }
    m.audit().Record(req, "user.delete", "user/" + user.name, "ok");
    return Response::NoContent();
  }, blocking);

  router.Handle("GET", "/api/v1/users/{id}/quota", [&m](Request& req) -> Result<Response> {
    int64_t id = VMI_TRY(IdParam(req, "id"));
    VMI_CHECK_OK(m.authorizer().Check(req.auth, Action::kRead, id, "user " + std::to_string(id)), "quota");
    VMI_TRY(m.users().Get(id));
    auto q = VMI_TRY(m.quotas().Get(id));
    return Response::JsonBody(q.ToJson());
  }, blocking);

  router.Handle("PUT", "/api/v1/users/{id}/quota", [&m](Request& req) -> Result<Response> {
    VMI_CHECK_OK(m.authorizer().RequireAdmin(req.auth), "set quota");
    int64_t id = VMI_TRY(IdParam(req, "id"));
    auto user = VMI_TRY(m.users().Get(id));
    auto body = VMI_TRY(ParseJsonObject(req.body));
    auto current = VMI_TRY(m.quotas().Get(id));
    QuotaLimits limits = VMI_TRY(ReadLimits(body, current.limits));
    VMI_CHECK_OK(m.quotas().SetLimits(id, limits), "set quota");
    m.audit().Record(req, "quota.set", "user/" + user.name, "ok", body.dump());
    auto q = VMI_TRY(m.quotas().Get(id));
    return Response::JsonBody(q.ToJson());
  }, {.blocking = true, .max_body_bytes = 4096});
}

}  // namespace vmi::api
