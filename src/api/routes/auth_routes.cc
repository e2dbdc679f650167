// POST /api/v1/auth/login, POST /api/v1/auth/logout, GET /api/v1/auth/me,
// POST /api/v1/auth/password.
#include "api/json_reader.h"
#include "api/management.h"

namespace vmi::api {

namespace {

Json MeJson(Management& m, const Request& req, const User& user) {
  Json j = user.ToJson();
  const char* method = "none";
  switch (req.auth.method) {
    case AuthContext::Method::kSession: method = "session"; break;
    case AuthContext::Method::kToken: method = "token"; break;
    case AuthContext::Method::kLocalPeer: method = "local"; break;
    case AuthContext::Method::kNone: break;
  }
  j["auth_method"] = method;
  auto quota = m.quotas().Get(user.id);
  if (quota.ok()) j["quota"] = quota->ToJson();
  return j;
}

}  // namespace

void RegisterAuthRoutes(Router& router, Management& m) {
  router.Handle(
      "POST", "/api/v1/auth/login",
      [&m](Request& req) -> Result<Response> {
        auto body = VMI_TRY(ParseJsonObject(req.body));
        JsonReader r(body);
        auto name = r.String("name", {.required = true, .min_len = 1, .max_len = 64});
        auto password = r.String("password", {.required = true, .max_len = 1024});
        VMI_CHECK_OK(r.Finish(), "login");
        std::string peer_key = req.peer.transport == PeerInfo::Transport::kUnix
                                   ? "unix"
                                   : "ip:" + req.peer.address;
        std::string user_key = "user:" + *name;
        int64_t wait = std::max(m.login_limiter_user().RetryAfter(user_key),
                                m.login_limiter_peer().RetryAfter(peer_key));
        if (wait > 0) {
          m.audit().RecordAs(std::nullopt, *name, PeerString(req.peer), "auth.login",
                             "user/" + *name, "denied", "rate limited");
          Response resp = Response::ErrorBody(429, "resource_exhausted",
                                              "too many failed logins; retry in " +
                                                  std::to_string(wait) + " s");
          resp.headers.Set("Retry-After", std::to_string(wait));
          return resp;
        }
        auto user = m.users().CheckPassword(*name, *password);
        if (!user.ok()) {
          m.login_limiter_user().Failure(user_key);
          m.login_limiter_peer().Failure(peer_key);
          m.audit().RecordAs(std::nullopt, *name, PeerString(req.peer), "auth.login",
                             "user/" + *name, "failed", "wrong name or password");
          return std::move(user).error();
        }
        m.login_limiter_user().Reset(user_key);
        auto session = VMI_TRY(m.sessions().Create(user->id, PeerString(req.peer)));
        req.auth.user_id = user->id;
        req.auth.user_name = user->name;
        req.auth.role = user->role;
        req.auth.method = AuthContext::Method::kSession;
        m.audit().Record(req, "auth.login", "user/" + user->name, "ok");
        Json j = MeJson(m, req, *user);
        j["csrf_token"] = session.csrf_token;
        j["expires_at"] = session.expires_at;
        Response resp = Response::JsonBody(j);
        resp.headers.Add("Set-Cookie", m.sessions().Cookie(session.session_id, req.peer.tls));
        resp.headers.Set("Cache-Control", "no-store");
        return resp;
      },
      {.blocking = true, .max_body_bytes = 4096, .public_route = true});

  router.Handle(
      "POST", "/api/v1/auth/logout",
      [&m](Request& req) -> Result<Response> {
        if (req.auth.method == AuthContext::Method::kSession) {
          VMI_CHECK_OK(m.sessions().Delete(req.auth.session_id_hash), "logout");
          m.audit().Record(req, "auth.logout", "user/" + req.auth.user_name, "ok");
        }
        Response resp = Response::NoContent();
        resp.headers.Add("Set-Cookie", Sessions::ClearCookie(req.peer.tls));
        return resp;
      },
      {.blocking = true, .public_route = true});

  router.Handle(
      "GET", "/api/v1/auth/me",
      [&m](Request& req) -> Result<Response> {
        auto user = VMI_TRY(m.users().Get(req.auth.user_id));
        Json j = MeJson(m, req, user);
        if (req.auth.method == AuthContext::Method::kSession) {
          auto cookie = req.Cookie(kSessionCookie);
          if (cookie) {
            auto s = m.sessions().Lookup(*cookie);
            if (s.ok()) j["csrf_token"] = s->csrf_token;
          }
        }
        if (req.auth.method == AuthContext::Method::kLocalPeer) j["name"] = req.auth.user_name;
        return Response::JsonBody(j);
      },
      {.blocking = true});

  router.Handle(
      "POST", "/api/v1/auth/password",
      [&m](Request& req) -> Result<Response> {
        auto body = VMI_TRY(ParseJsonObject(req.body));
        JsonReader r(body);
        auto current = r.String("current_password", {.required = true, .max_len = 1024});
        auto next = r.String("new_password", {.required = true, .max_len = 1024});
        VMI_CHECK_OK(r.Finish(), "change password");
        auto user = VMI_TRY(m.users().Get(req.auth.user_id));
        auto checked = m.users().CheckPassword(user.name, *current);
        if (!checked.ok()) {
          m.audit().Record(req, "user.password", "user/" + user.name, "failed", "wrong password");
          return Error(ErrorCode::kPermissionDenied, "current password is wrong");
        }
        VMI_TRY(m.users().Update(user.id, std::nullopt, std::nullopt, *next));
        m.audit().Record(req, "user.password", "user/" + user.name, "ok");
        // Every session of the user ended, this one too.
        Response resp = Response::NoContent();
        resp.headers.Add("Set-Cookie", Sessions::ClearCookie(req.peer.tls));
        return resp;
      },
      {.blocking = true, .max_body_bytes = 4096});
}

}  // namespace vmi::api
