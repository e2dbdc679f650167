// API tokens: GET/POST /api/v1/tokens, DELETE /api/v1/tokens/{id}.
#include "api/json_reader.h"
#include "api/management.h"

namespace vmi::api {

void RegisterTokenRoutes(Router& router, Management& m) {
  router.Handle("GET", "/api/v1/tokens", [&m](Request& req) -> Result<Response> {
    bool all = req.Query("all").value_or("") == "true";
    if (all) VMI_CHECK_OK(m.authorizer().RequireAdmin(req.auth), "list all tokens");
    auto tokens = VMI_TRY(m.tokens().List(req.auth.user_id, all));
    Json list = Json::array();
    for (const auto& t : tokens) list.push_back(t.ToJson());
    return Response::JsonBody({{"tokens", list}});
  }, {.blocking = true});

  router.Handle("POST", "/api/v1/tokens", [&m](Request& req) -> Result<Response> {
    auto body = VMI_TRY(ParseJsonObject(req.body));
    JsonReader r(body);
    auto name = r.String("name", {.required = true, .max_len = 64});
    auto ttl = r.Int("ttl_seconds", {.min = 0, .max = int64_t{10} * 365 * 24 * 3600});
    VMI_CHECK_OK(r.Finish(), "create token");
    auto created = m.tokens().Create(req.auth.user_id, *name, ttl.value_or(0));
    if (!created.ok()) {
      m.audit().Record(req, "token.create", "token/" + *name, "failed", created.error().ToString());
      return std::move(created).error();
    }
    m.audit().Record(req, "token.create", "token/" + std::to_string(created->info.id), "ok", *name);
    Json j = created->info.ToJson();
    j["token"] = created->token;
    Response resp = Response::JsonBody(j, 201);
    resp.headers.Set("Cache-Control", "no-store");
    return resp;
  }, {.blocking = true, .max_body_bytes = 4096});

  router.Handle("DELETE", "/api/v1/tokens/{id}", [&m](Request& req) -> Result<Response> {
    int64_t id = VMI_TRY(IdParam(req, "id"));
    auto token = m.tokens().Get(id);
    std::string target = "token/" + std::to_string(id);
    if (!token.ok()) return std::move(token).error();
    auto allowed = m.authorizer().Check(req.auth, Action::kDelete, token->user_id, "token " + std::to_string(id));
    if (!allowed.ok()) {
      m.audit().Record(req, "token.revoke", target, "denied");
      return std::move(allowed).error();
    }
    VMI_CHECK_OK(m.tokens().Revoke(id), "revoke token");
    m.audit().Record(req, "token.revoke", target, "ok", token->name);
    return Response::NoContent();
  }, {.blocking = true});
}

}  // namespace vmi::api
