#include "api/management.h"

#include <cstdlib>

#include "api/auth/schema.h"
#include "api/auth/secrets.h"
#include "base/log.h"

namespace vmi::api {

void Management::AddMigrations(store::Migrations& m) { AddApiMigrations(m); }

Management::Management(store::Database* db, ManagementOptions options)
    : db_(db),
      options_(std::move(options)),
      users_(db),
      tokens_(db),
      sessions_(db, options_.sessions),
      quotas_(db, options_.default_quota),
      audit_(db),
      limit_user_(options_.login_failures_per_user, std::chrono::minutes(5)),
      limit_peer_(options_.login_failures_per_peer, std::chrono::minutes(5)) {}

Result<std::unique_ptr<Management>> Management::Create(store::Database* db,
                                                       ManagementOptions options) {
  VMI_CHECK_OK(InitSodium(), "management");
  if (options.admin_password.empty()) {
    if (const char* env = getenv("VMI_ADMIN_PASSWORD")) options.admin_password = env;
  }
  return std::unique_ptr<Management>(new Management(db, std::move(options)));
}

Result<std::optional<std::string>> Management::EnsureAdmin() {
  auto pw = VMI_TRY(users_.EnsureAdmin(options_.admin_password));
  if (pw) {
    // The first admin runs the node: no quota of its own.
    if (auto admin = users_.GetByName("admin"); admin.ok()) {
      VMI_CHECK_OK(quotas_.SetLimits(admin->id, QuotaLimits{-1, -1, -1}), "first-run admin quota");
    }
    audit_.RecordAs(std::nullopt, "system", "local", "user.create", "user/admin", "ok",
                    "first-run admin");
  }
  return pw;
}

Result<int64_t> Management::LocalAdminId() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (local_admin_id_) return local_admin_id_;
  }
  auto row = VMI_TRY(db_->QueryOne(
      "SELECT id FROM users WHERE role = 'admin' AND disabled = 0 ORDER BY id LIMIT 1"));
  if (!row) return Error(ErrorCode::kUnauthenticated, "no enabled admin for the local root user");
  std::lock_guard<std::mutex> lock(mu_);
  local_admin_id_ = row->Int(0);
  return local_admin_id_;
}

namespace {

bool UnsafeMethod(const std::string& m) {
  return m != "GET" && m != "HEAD" && m != "OPTIONS";
}

// True when the Origin header (if any) names the host the request was sent
// to. Browsers send Origin on cross-site requests and on every WebSocket
// handshake; its absence means a non-browser client.
bool SameOrigin(const Request& req) {
  auto origin = req.headers.Get("Origin");
  if (!origin) return true;
  auto host = req.headers.Get("Host");
  if (!host) return false;
  std::string_view o = *origin;
  size_t scheme = o.find("://");
  if (scheme == std::string_view::npos) return false;
  return o.substr(scheme + 3) == *host;
}

}  // namespace

Result<void> Management::Authenticate(Request& req, const Route& route) {
  req.auth = AuthContext{};
  // Static files (the console itself) are public.
  const bool is_public = route.options.public_route || route.kind == RouteKind::kFallback;
  if (auto token = req.BearerToken()) {
    auto found = tokens_.Authenticate(*token);
    if (!found.ok()) return std::move(found).error();
    req.auth.method = AuthContext::Method::kToken;
    req.auth.user_id = found->first.id;
    req.auth.user_name = found->first.name;
    req.auth.role = found->first.role;
    req.auth.token_id = found->second;
    return Ok();
  }
  if (auto cookie = req.Cookie(kSessionCookie)) {
    auto found = sessions_.Lookup(*cookie);
    if (found.ok()) {
      bool ws = route.kind == RouteKind::kWebSocket;
      if ((UnsafeMethod(req.method) || ws) && !SameOrigin(req)) {
        return Error(ErrorCode::kPermissionDenied, "cross-origin request refused");
      }
      if (UnsafeMethod(req.method)) {
        auto sent = req.headers.Get("X-CSRF-Token");
        if (!sent || !SecureEquals(*sent, found->csrf_token)) {
          return Error(ErrorCode::kPermissionDenied, "missing or wrong X-CSRF-Token header");
        }
      }
      req.auth.method = AuthContext::Method::kSession;
      req.auth.user_id = found->user.id;
      req.auth.user_name = found->user.name;
      req.auth.role = found->user.role;
      req.auth.session_id_hash = found->id_hash;
      return Ok();
    }
    if (!is_public) return std::move(found).error();
  }
  if (options_.trust_local_root && req.peer.transport == PeerInfo::Transport::kUnix &&
      req.peer.uid == 0) {
    auto id = LocalAdminId();
    if (id.ok()) {
      req.auth.method = AuthContext::Method::kLocalPeer;
      req.auth.user_id = *id;
      req.auth.user_name = "root@local";
      req.auth.role = Role::kAdmin;
      return Ok();
    }
  }
  if (!is_public) {
    return Error(ErrorCode::kUnauthenticated,
                 "authentication required (a session cookie or an Authorization: Bearer token)");
  }
  return Ok();
}

void Management::Register(Router& router) {
  router.Use([this](Request& req, const Route& route) { return Authenticate(req, route); });
  RegisterAuthRoutes(router, *this);
  RegisterUserRoutes(router, *this);
  RegisterTokenRoutes(router, *this);
  RegisterAuditRoutes(router, *this);
  RegisterSystemRoutes(router, *this);
}

std::function<void(const Request&, const Route*, int, std::chrono::nanoseconds)>
Management::ResponseObserver() {
  return [this](const Request& req, const Route* route, int status, std::chrono::nanoseconds d) {
    std::string pattern = route ? route->pattern : "unmatched";
    // The label set stays small: route patterns, not paths.
    Labels labels = {{"method", req.method}, {"route", pattern}};
    metrics_
        .GetHistogram("vmi_api_request_duration_seconds",
                      "API request latency until the response is handed to the socket", labels)
        .Observe(std::chrono::duration<double>(d).count());
    labels.emplace_back("code", std::to_string(status));
    metrics_.GetCounter("vmi_api_requests_total", "API requests by route and status", labels).Inc();
  };
}

Result<int64_t> IdParam(const Request& req, const std::string& name) {
  std::string_view s = req.Param(name);
  int64_t v = 0;
  if (s.empty() || s.size() > 18) return Error(ErrorCode::kInvalidArgument, name + " must be a number");
  for (char c : s) {
    if (c < '0' || c > '9') return Error(ErrorCode::kInvalidArgument, name + " must be a number");
    v = v * 10 + (c - '0');
  }
  if (v <= 0) return Error(ErrorCode::kInvalidArgument, name + " must be positive");
  return v;
}

}  // namespace vmi::api
