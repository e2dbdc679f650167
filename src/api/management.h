// Management: the composition of api/'s management pieces - users, tokens,
// sessions, quotas, audit log, authorizer, metrics - and the routes that
// expose them. The daemon creates one and registers it on its Router before
// adding its own (instance, image, node) routes:
//
//   store::Migrations m;
//   api::Management::AddMigrations(m);          // before tables referencing users
//   runtime::AddMigrations(m);
//   VMI_CHECK_OK(m.Apply(*db), "migrate");
//   auto mgmt = VMI_TRY(api::Management::Create(db.get(), {}));
//   if (auto pw = VMI_TRY(mgmt->EnsureAdmin())) print("admin password: " + *pw);
//   mgmt->Register(router);                      // middleware + routes
//   ... router.Handle(... instance routes calling mgmt->authorizer() ...);
//   options.on_response = mgmt->ResponseObserver();
//
// Authentication (the middleware added by Register) fills Request::auth from,
// in order: a bearer API token; the session cookie (then unsafe methods need
// the X-CSRF-Token header, and a cross-origin Origin is refused, also for
// WebSocket upgrades); a Unix-socket peer running as root (trusted as the
// first admin when `trust_local_root`). Routes not marked public_route
// refuse anonymous requests with 401.
//
// Threads: thread-safe. The database is borrowed and must outlive this.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/auth/audit.h"
#include "api/auth/authorizer.h"
#include "api/auth/quotas.h"
#include "api/auth/rate_limiter.h"
#include "api/auth/sessions.h"
#include "api/auth/tokens.h"
#include "api/auth/users.h"
#include "api/http/router.h"
#include "api/metrics/metrics.h"
#include "store/database.h"
#include "store/migrations.h"

namespace vmi::api {

struct ManagementOptions {
  // New users: 10 instances, 8 cpus, 16 GiB in all; each instance at most
  // 512 processes, a 4 GiB writable layer, 100 Mbit/s, 4096 open files.
  QuotaLimits default_quota{10, 8000, 16384, 512, 4096, 100, 4096};
  bool trust_local_root = true;  // root on the Unix socket acts as the first admin
  bool metrics_public = false;   // /metrics without authentication
  std::string admin_password;    // first-run admin; empty: $VMI_ADMIN_PASSWORD or random
  Sessions::Options sessions;
  int login_failures_per_user = 5;   // per 5 minutes
  int login_failures_per_peer = 20;  // per 5 minutes
  std::string openapi_path;  // the OpenAPI document; empty: docs/api/openapi.json of the tree
};

class Management {
 public:
  static void AddMigrations(store::Migrations& m);
  static Result<std::unique_ptr<Management>> Create(store::Database* db, ManagementOptions options);

  // First run: creates the admin when there are no users; returns the
  // password to print once (nullopt when users exist).
  Result<std::optional<std::string>> EnsureAdmin();

  // Adds the auth middleware and the routes of users, tokens, audit,
  // auth (login/logout/me/password), /metrics, /api/v1/openapi.json.
  void Register(Router& router);

  // For ServerOptions::on_response: request counters and latency histograms.
  std::function<void(const Request&, const Route*, int, std::chrono::nanoseconds)>
  ResponseObserver();

  store::Database& db() { return *db_; }
  Users& users() { return users_; }
  Tokens& tokens() { return tokens_; }
  Sessions& sessions() { return sessions_; }
  Quotas& quotas() { return quotas_; }
  AuditLog& audit() { return audit_; }
  const Authorizer& authorizer() const { return authorizer_; }
  MetricsRegistry& metrics() { return metrics_; }
  const ManagementOptions& options() const { return options_; }
  RateLimiter& login_limiter_user() { return limit_user_; }
  RateLimiter& login_limiter_peer() { return limit_peer_; }

  // The middleware (exposed for tests).
  Result<void> Authenticate(Request& req, const Route& route);

 private:
  Management(store::Database* db, ManagementOptions options);
  Result<int64_t> LocalAdminId();

  store::Database* db_;
  ManagementOptions options_;
  Users users_;
  Tokens tokens_;
  Sessions sessions_;
  Quotas quotas_;
  AuditLog audit_;
  Authorizer authorizer_;
  MetricsRegistry metrics_;
  RateLimiter limit_user_;
  RateLimiter limit_peer_;
  std::mutex mu_;
  int64_t local_admin_id_ = 0;  // guarded by mu_; cached first admin
};

// Route registration, one file per resource (routes/*.cc).
void RegisterAuthRoutes(Router& router, Management& m);
void RegisterUserRoutes(Router& router, Management& m);
void RegisterTokenRoutes(Router& router, Management& m);
void RegisterAuditRoutes(Router& router, Management& m);
void RegisterSystemRoutes(Router& router, Management& m);

// Parses a path parameter as a positive id (kInvalidArgument otherwise).
Result<int64_t> IdParam(const Request& req, const std::string& name);

}  // namespace vmi::api
