// Management over real sockets against both database backends: first-run
// admin, login with session cookie + CSRF, tokens, users, quotas (also
// under concurrency), audit, metrics, and an authorization matrix of every
// management route for anonymous, user A, user B and admin.
#include "api/management.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "api/http/client.h"
#include "api/http/server.h"
#include "store/testing/postgres_server.h"

namespace vmi::api {
namespace {

class ManagementTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    store::Migrations m;
    Management::AddMigrations(m);
    auto db = store::testing::OpenFreshDatabase(GetParam(), m);
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    db_ = std::move(*db);
    ManagementOptions o;
    o.admin_password = "admin-password-1";
    o.default_quota = {2, 2000, 4096};
    auto mgmt = Management::Create(db_.get(), o);
    ASSERT_TRUE(mgmt.ok());
    mgmt_ = std::move(*mgmt);
    auto pw = mgmt_->EnsureAdmin();
    ASSERT_TRUE(pw.ok()) << pw.error().ToString();
    ASSERT_TRUE(pw->has_value());
    EXPECT_EQ(**pw, "admin-password-1");
    mgmt_->Register(router_);
    ServerOptions so;
    so.tcp_port = 0;
    so.on_response = mgmt_->ResponseObserver();
    auto server = Server::Start(so, router_);
    ASSERT_TRUE(server.ok()) << server.error().ToString();
    server_ = std::move(*server);
    base_ = "http://127.0.0.1:" + std::to_string(server_->tcp_port());
  }
  void TearDown() override {
    server_.reset();
    mgmt_.reset();
    db_.reset();
  }

  std::unique_ptr<HttpClient> Client(const std::string& token = "") {
    auto c = HttpClient::Create({.server = base_, .token = token});
    EXPECT_TRUE(c.ok());
    return std::move(*c);
  }

  struct Session {
    std::string cookie;  // "vmi_session=..."
    std::string csrf;
  };
  Result<Session> Login(const std::string& name, const std::string& password) {
    auto c = Client();
    Json body = {{"name", name}, {"password", password}};
    auto r = VMI_TRY(c->Send("POST", "/api/v1/auth/login", body.dump()));
    if (r.status != 200) return ErrorFromResponse(r);
    Session s;
    auto set = r.headers.Get("Set-Cookie");
    if (!set) return Error(ErrorCode::kInternal, "no cookie");
    s.cookie = std::string(set->substr(0, set->find(';')));
    s.csrf = Json::parse(r.body)["csrf_token"];
    return s;
  }
  Result<ClientResponse> WithSession(const Session& s, const std::string& method,
                                     const std::string& target, const std::string& body = "",
                                     bool csrf = true) {
    Headers h;
    h.Add("Cookie", s.cookie);
    if (csrf) h.Add("X-CSRF-Token", s.csrf);
    return Client()->Send(method, target, body, "application/json", h);
  }
  // Creates a user through the API as the admin and returns (id, token).
  std::pair<int64_t, std::string> MakeUser(const std::string& name) {
    auto admin = Client(AdminToken());
    Json u = {{"name", name}, {"password", name + "-password"}};
    auto created = admin->Call("POST", "/api/v1/users", &u);
    EXPECT_TRUE(created.ok()) << created.error().ToString();
    int64_t id = (*created)["id"];
    auto t = Tokens(db_.get()).Create(id, "t", 0);
    EXPECT_TRUE(t.ok());
    return {id, t->token};
  }
  std::string AdminToken() {
    if (admin_token_.empty()) {
      auto admin = mgmt_->users().GetByName("admin");
      auto t = mgmt_->tokens().Create(admin->id, "admin", 0);
      admin_token_ = t->token;
    }
    return admin_token_;
  }

  std::unique_ptr<store::Database> db_;
  std::unique_ptr<Management> mgmt_;
  Router router_;
  std::unique_ptr<Server> server_;
  std::string base_;
  std::string admin_token_;
};

TEST_P(ManagementTest, FirstRunAdminOnlyOnce) {
  auto again = mgmt_->EnsureAdmin();
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
  auto admin = mgmt_->users().GetByName("admin");
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(admin->role, Role::kAdmin);
}

TEST_P(ManagementTest, SessionLoginCsrfAndLogout) {
  auto bad = Login("admin", "wrong-password");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kUnauthenticated);
  auto s = Login("admin", "admin-password-1");
  ASSERT_TRUE(s.ok()) << s.error().ToString();

  auto me = WithSession(*s, "GET", "/api/v1/auth/me");
  ASSERT_TRUE(me.ok());
  ASSERT_EQ(me->status, 200) << me->body;
  EXPECT_EQ(Json::parse(me->body)["name"], "admin");
  EXPECT_EQ(Json::parse(me->body)["auth_method"], "session");

  // Unsafe method with the cookie but no CSRF header: refused, nothing made.
  Json token = {{"name", "cli"}};
  auto no_csrf = WithSession(*s, "POST", "/api/v1/tokens", token.dump(), false);
  EXPECT_EQ(no_csrf->status, 403);
  EXPECT_NE(no_csrf->body.find("CSRF"), std::string::npos);
  // Cross-origin with a valid CSRF token: refused too.
  Headers h;
  h.Add("Cookie", s->cookie);
  h.Add("X-CSRF-Token", s->csrf);
  h.Add("Origin", "http://evil.example");
  auto cross = Client()->Send("POST", "/api/v1/tokens", token.dump(), "application/json", h);
  EXPECT_EQ(cross->status, 403);
  auto with_csrf = WithSession(*s, "POST", "/api/v1/tokens", token.dump());
  EXPECT_EQ(with_csrf->status, 201) << with_csrf->body;
  auto list = Client(AdminToken())->Call("GET", "/api/v1/tokens");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ((*list)["tokens"].size(), 2u);  // "cli" and the test's admin token

  auto out = WithSession(*s, "POST", "/api/v1/auth/logout");
  EXPECT_EQ(out->status, 204);
  EXPECT_NE(out->headers.Get("Set-Cookie")->find("Max-Age=0"), std::string_view::npos);
  auto after = WithSession(*s, "GET", "/api/v1/auth/me");
  EXPECT_EQ(after->status, 401);
}

TEST_P(ManagementTest, LoginIsRateLimited) {
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(Login("admin", "nope-" + std::to_string(i)).ok());
  // Now even the right password is refused for a while.
  auto c = Client();
  Json body = {{"name", "admin"}, {"password", "admin-password-1"}};
  auto r = c->Send("POST", "/api/v1/auth/login", body.dump());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 429);
  EXPECT_TRUE(r->headers.Has("Retry-After"));
  auto audit = Client(AdminToken())->Call("GET", "/api/v1/audit?action=auth.login");
  ASSERT_TRUE(audit.ok()) << audit.error().ToString();
  int failed = 0, denied = 0;
  for (const auto& e : (*audit)["entries"]) {
    if (e["outcome"] == "failed") ++failed;
    if (e["outcome"] == "denied") ++denied;
  }
  EXPECT_EQ(failed, 5);
  EXPECT_EQ(denied, 1);
}

TEST_P(ManagementTest, TokensAreHashedRevocableAndExpire) {
  auto [uid, token] = MakeUser("alice");
  auto me = Client(token)->Call("GET", "/api/v1/auth/me");
  ASSERT_TRUE(me.ok()) << me.error().ToString();
  EXPECT_EQ((*me)["name"], "alice");
  EXPECT_EQ((*me)["auth_method"], "token");
  // Only a hash is stored.
  auto rows = db_->Query("SELECT token_hash FROM api_tokens");
  for (const auto& row : rows->rows) EXPECT_EQ(row.Text(0).find(token), std::string::npos);

  Json req = {{"name", "short"}, {"ttl_seconds", 3600}};
  auto created = Client(token)->Call("POST", "/api/v1/tokens", &req);
  ASSERT_TRUE(created.ok());
  std::string second = (*created)["token"];
  int64_t id = (*created)["id"];
  EXPECT_TRUE(Client(second)->Call("GET", "/api/v1/auth/me").ok());
  // Expired: move the expiry into the past.
  ASSERT_TRUE(db_->Exec("UPDATE api_tokens SET expires_at = 1 WHERE id = $1", {id}).ok());
  auto expired = Client(second)->Call("GET", "/api/v1/auth/me");
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code(), ErrorCode::kUnauthenticated);
  // Revoked by its owner.
  auto list = Client(token)->Call("GET", "/api/v1/tokens");
  int64_t first_id = (*list)["tokens"][0]["id"];
  EXPECT_TRUE(Client(token)->Call("DELETE", "/api/v1/tokens/" + std::to_string(first_id)).ok());
  auto revoked = Client(token)->Call("GET", "/api/v1/auth/me");
  ASSERT_FALSE(revoked.ok());
  EXPECT_EQ(revoked.error().code(), ErrorCode::kUnauthenticated);
  // Garbage tokens.
  EXPECT_FALSE(Client("vmi_garbage")->Call("GET", "/api/v1/auth/me").ok());
  EXPECT_FALSE(Client("' OR 1=1 --")->Call("GET", "/api/v1/auth/me").ok());
}

TEST_P(ManagementTest, UsersAndDisabledAccounts) {
  auto admin = Client(AdminToken());
  Json bad = {{"name", "../etc"}, {"password", "12345678"}};
  auto r = admin->Call("POST", "/api/v1/users", &bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  Json unknown = {{"name", "bob"}, {"password", "12345678"}, {"admin", true}};
  EXPECT_EQ(admin->Call("POST", "/api/v1/users", &unknown).error().code(),
            ErrorCode::kInvalidArgument);
  auto [bob, token] = MakeUser("bob");
  Json dup = {{"name", "bob"}, {"password", "12345678"}};
  EXPECT_EQ(admin->Call("POST", "/api/v1/users", &dup).error().code(), ErrorCode::kAlreadyExists);
  Json disable = {{"disabled", true}};
  ASSERT_TRUE(admin->Call("PATCH", "/api/v1/users/" + std::to_string(bob), &disable).ok());
  EXPECT_EQ(Client(token)->Call("GET", "/api/v1/auth/me").error().code(),
            ErrorCode::kUnauthenticated);
  EXPECT_FALSE(Login("bob", "bob-password").ok());
  // The last admin cannot be demoted or deleted.
  int64_t admin_id = mgmt_->users().GetByName("admin")->id;
  Json demote = {{"role", "user"}};
  EXPECT_EQ(
      admin->Call("PATCH", "/api/v1/users/" + std::to_string(admin_id), &demote).error().code(),
      ErrorCode::kFailedPrecondition);
  EXPECT_EQ(admin->Call("DELETE", "/api/v1/users/" + std::to_string(admin_id)).error().code(),
            ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(admin->Call("DELETE", "/api/v1/users/" + std::to_string(bob)).ok());
  auto audit = admin->Call("GET", "/api/v1/audit?action=user.");
  ASSERT_TRUE(audit.ok());
  std::set<std::string> actions;
  for (const auto& e : (*audit)["entries"])
    actions.insert(e["action"].get<std::string>() + ":" + e["outcome"].get<std::string>());
  EXPECT_TRUE(actions.count("user.create:ok"));
  EXPECT_TRUE(actions.count("user.create:failed"));
  EXPECT_TRUE(actions.count("user.update:ok"));
  EXPECT_TRUE(actions.count("user.update:failed"));
  EXPECT_TRUE(actions.count("user.delete:ok"));
}

// The transaction API the daemon uses when creating instances: concurrent
// reservations never exceed the quota.
TEST_P(ManagementTest, QuotaReservationsAreAtomic) {
  auto [uid, token] = MakeUser("carol");
  ASSERT_TRUE(mgmt_->quotas().SetLimits(uid, {3, 4000, -1}).ok());
  ASSERT_TRUE(db_->Exec("CREATE TABLE things (id TEXT PRIMARY KEY, owner BIGINT NOT NULL "
                        "REFERENCES users(id))")
                  .ok());
  std::atomic<int> ok{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t, uid = uid] {
      auto r = db_->TransactVoid([&](store::Tx& tx) -> Result<void> {
        VMI_CHECK_OK(mgmt_->quotas().Reserve(tx, uid, {1, 1000, 512}), "quota");
        VMI_TRY(tx.Exec("INSERT INTO things (id, owner) VALUES ($1, $2)",
                        {"x" + std::to_string(t), uid}));
        return Ok();
      });
      if (r.ok()) {
        ++ok;
      } else {
        EXPECT_EQ(r.error().code(), ErrorCode::kResourceExhausted) << r.error().ToString();
        ++refused;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 3);
  EXPECT_EQ(refused.load(), 3);
  EXPECT_EQ((*db_->QueryOne("SELECT COUNT(*) FROM things"))->Int(0), 3);
  auto q = mgmt_->quotas().Get(uid);
  EXPECT_EQ(q->used.instances, 3);
  EXPECT_EQ(q->used.cpus_milli, 3000);
  // The cpu limit bites before the instance limit.
  ASSERT_TRUE(mgmt_->quotas().SetLimits(uid, {10, 3500, -1}).ok());
  auto over = db_->TransactVoid([&](store::Tx& tx) -> Result<void> {
    return mgmt_->quotas().Reserve(tx, uid, {1, 1000, 0});
  });
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.error().message().find("cpus"), std::string::npos) << over.error().message();
  // Release gives it back; the quota is visible to its user.
  ASSERT_TRUE(db_->TransactVoid([&](store::Tx& tx) {
                   return mgmt_->quotas().Release(tx, uid, {1, 1000, 512});
                 })
                  .ok());
  auto mine = Client(token)->Call("GET", "/api/v1/users/" + std::to_string(uid) + "/quota");
  ASSERT_TRUE(mine.ok()) << mine.error().ToString();
  EXPECT_EQ((*mine)["used"]["instances"], 2);
  EXPECT_EQ((*mine)["limits"]["cpus"], 3.5);
}

// Who may call which management route: anonymous, user A, user B (acting
// on A's resources), admin.
TEST_P(ManagementTest, AuthorizationMatrix) {
  auto [a, token_a] = MakeUser("usera");
  auto [b, token_b] = MakeUser("userb");
  auto tokens_a = Client(token_a)->Call("GET", "/api/v1/tokens");
  int64_t a_token_id = (*tokens_a)["tokens"][0]["id"];
  std::string A = std::to_string(a), T = std::to_string(a_token_id);
  struct Cell {
    std::string method, target, body;
    int anonymous, user_a, user_b, admin;
  } cells[] = {
      {"GET", "/api/v1/health", "", 200, 200, 200, 200},
      {"GET", "/healthz", "", 200, 200, 200, 200},
      {"GET", "/readyz", "", 200, 200, 200, 200},
      {"GET", "/api/v1/openapi.json", "", 200, 200, 200, 200},
      {"GET", "/metrics", "", 401, 403, 403, 200},
      {"GET", "/api/v1/auth/me", "", 401, 200, 200, 200},
      {"GET", "/api/v1/users", "", 401, 403, 403, 200},
      {"POST", "/api/v1/users", R"({"name":"x1","password":"12345678"})", 401, 403, 403, 201},
      {"GET", "/api/v1/users/" + A, "", 401, 200, 404, 200},
      {"GET", "/api/v1/users/" + A + "/quota", "", 401, 200, 404, 200},
      {"PUT", "/api/v1/users/" + A + "/quota", R"({"instances":5})", 401, 403, 403, 200},
      {"PATCH", "/api/v1/users/" + A, R"({"role":"user"})", 401, 403, 403, 200},
      {"GET", "/api/v1/tokens", "", 401, 200, 200, 200},
      {"GET", "/api/v1/tokens?all=true", "", 401, 403, 403, 200},
      {"GET", "/api/v1/audit", "", 401, 403, 403, 200},
      {"DELETE", "/api/v1/tokens/" + T, "", 401, 204, 404, 204},
      {"DELETE", "/api/v1/users/" + A, "", 401, 401, 403, 204},
  };
  // Columns run left to right, so the destructive cells come last: user A
  // deletes its own token first (later users see 204 again: revoking twice
  // is idempotent), and A's token no longer works when the admin deletes A.
  auto admin_token = AdminToken();
  for (const auto& c : cells) {
    int expected[] = {c.anonymous, c.user_a, c.user_b, c.admin};
    std::string who[] = {"", token_a, token_b, admin_token};
    const char* names[] = {"anonymous", "user A", "user B", "admin"};
    for (int i = 0; i < 4; ++i) {
      auto r = Client(who[i])->Send(c.method, c.target, c.body);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->status, expected[i])
          << names[i] << " " << c.method << " " << c.target << ": " << r->body;
    }
  }
}

TEST_P(ManagementTest, LocalRootIsAdminAndMetricsCountRequests) {
  // Over the Unix socket, root (this test) acts as the first admin.
  std::string sock = "/tmp/vmi-mgmt-" + std::to_string(getpid()) + "-" + GetParam() + ".sock";
  ServerOptions so;
  so.unix_path = sock;
  auto local = Server::Start(so, router_);
  ASSERT_TRUE(local.ok());
  auto c = HttpClient::Create({.server = "unix://" + sock});
  auto me = (*c)->Call("GET", "/api/v1/auth/me");
  if (getuid() == 0) {
    ASSERT_TRUE(me.ok()) << me.error().ToString();
    EXPECT_EQ((*me)["auth_method"], "local");
    EXPECT_EQ((*me)["role"], "admin");
  } else {
    EXPECT_FALSE(me.ok());
  }
  (*local)->Stop();

  auto admin = Client(AdminToken());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(admin->Call("GET", "/api/v1/users").ok());
  auto m = admin->Send("GET", "/metrics");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->status, 200);
  EXPECT_NE(
      m->body.find("vmi_api_requests_total{method=\"GET\",route=\"/api/v1/users\",code=\"200\"} 3"),
      std::string::npos)
      << m->body;
  EXPECT_NE(m->body.find("vmi_api_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/"
                         "users\",le=\"+Inf\"} 3"),
            std::string::npos);
  EXPECT_NE(*m->headers.Get("Content-Type"), "");
}

INSTANTIATE_TEST_SUITE_P(Backends, ManagementTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace vmi::api
