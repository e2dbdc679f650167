// The authorization matrix of the whole node API, through the real daemon
// over TCP: for every operation of docs/api/openapi.json, what anonymous
// callers, user alice (who owns the instances), user bob and the admin get.
// Resources are real: alice's instance runs (crun, the linux-mobile session)
// so the live channels (WebSocket stream, screenshot, VNC password, rotate)
// answer for real. Other users' instances must look exactly like unknown
// ids (404), anonymous callers get 401, admin-only routes 403 for users.
// The table must cover every documented operation: adding a route without
// a row here fails the test.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <set>

#include "api/http/client.h"
#include "base/file.h"
#include "base/unique_fd.h"
#include "daemon_fixture.h"
#include "store/testing/postgres_server.h"

namespace vmi::testing {
namespace {

using api::Json;

enum Who { kAnon, kAlice, kBob, kAdmin };
const char* kWhoNames[] = {"anonymous", "alice", "bob", "admin"};

struct Session {
  std::string cookie;  // "vmi_session=..."
  std::string csrf;
};

class AuthzMatrixTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!IsRoot()) return;
    daemon_ = new Daemon({"VMI_ADMIN_PASSWORD=admin-password-1"});
    daemon_->EnableTcp();
    // The same matrix on PostgreSQL (a private server) when asked.
    if (const char* backend = getenv("VMI_AUTHZ_BACKEND"); backend && strcmp(backend, "sqlite")) {
      auto url = store::testing::FreshDatabaseUrl(backend);
      if (!url.ok()) {
        ADD_FAILURE() << url.error().ToString();
        return;
      }
      daemon_->AddServeArgs({"--database", *url});
    }
    if (!daemon_->Start()) return;
    base_ = "http://127.0.0.1:" + std::to_string(daemon_->tcp_port());
    tokens_[kAdmin] = TokenFor("admin", "admin-password-1");
    auto admin = Client(kAdmin);
    for (const char* name : {"alice", "bob"}) {
      Json body{{"name", name}, {"password", std::string(name) + "-password-1"}};
      auto u = admin->Call("POST", "/api/v1/users", &body);
      if (!u.ok()) return;
      user_ids_[name] = (*u)["id"].get<int64_t>();
    }
    Json quota{{"instances", 1}};
    if (!admin->Call("PUT", "/api/v1/users/" + std::to_string(user_ids_["bob"]) + "/quota", &quota)
             .ok())
      return;
    tokens_[kAlice] = TokenFor("alice", "alice-password-1");
    tokens_[kBob] = TokenFor("bob", "bob-password-1");
    auto alice = Client(kAlice);
    Json a1{{"name", "alice-1"}, {"resolution", "360x640"}, {"cpus", 1}, {"memory", "512M"}};
    auto r1 = alice->Call("POST", "/api/v1/instances?start=1", &a1);
    if (!r1.ok()) {
      ADD_FAILURE() << r1.error().ToString();
      return;
    }
    a1_ = (*r1)["id"].get<std::string>();
    Json a2{{"name", "alice-2"}, {"cpus", 1}, {"memory", "512M"}};
    auto r2 = alice->Call("POST", "/api/v1/instances", &a2);
    if (!r2.ok()) return;
    a2_ = (*r2)["id"].get<std::string>();
    ready_ = daemon_->WaitDisplay(a1_, 60);
  }

  static void TearDownTestSuite() {
    if (daemon_) daemon_->Purge();
    delete daemon_;
    daemon_ = nullptr;
  }

  void SetUp() override {
    if (!IsRoot()) GTEST_SKIP() << "needs root";
    ASSERT_TRUE(ready_) << "daemon, users or alice's instance did not come up; see "
                        << (daemon_ ? daemon_->data_dir() : "") << "/daemon.log";
  }

  static std::unique_ptr<api::HttpClient> Client(Who who) {
    auto c = api::HttpClient::Create({.server = base_, .token = tokens_[who]});
    EXPECT_TRUE(c.ok());
    return std::move(*c);
  }

  static Result<Session> Login(const std::string& name, const std::string& password) {
    auto c = VMI_TRY(api::HttpClient::Create({.server = base_}));
    Json body{{"name", name}, {"password", password}};
    auto r = VMI_TRY(c->Send("POST", "/api/v1/auth/login", body.dump()));
    if (r.status != 200) return api::ErrorFromResponse(r);
    Session s;
    auto cookie = r.headers.Get("Set-Cookie");
    if (!cookie) return Error(ErrorCode::kInternal, "no cookie");
    s.cookie = std::string(cookie->substr(0, cookie->find(';')));
    s.csrf = Json::parse(r.body)["csrf_token"].get<std::string>();
    return s;
  }

  // A fresh API token made through a console session (login + CSRF).
  static std::string TokenFor(const std::string& name, const std::string& password) {
    auto s = Login(name, password);
    if (!s.ok()) return "";
    auto c = api::HttpClient::Create({.server = base_});
    api::Headers h;
    h.Add("Cookie", s->cookie);
    h.Add("X-CSRF-Token", s->csrf);
    auto r = (*c)->Send("POST", "/api/v1/tokens", R"({"name":"matrix"})", "application/json", h);
    if (!r.ok() || r->status != 201) return "";
    return Json::parse(r->body)["token"].get<std::string>();
  }

  static int Status(Who who, const std::string& method, const std::string& target,
                    const std::string& body = "", const api::Headers& extra = {}) {
    auto r = Client(who)->Send(method, target, body, "application/json", extra);
    EXPECT_TRUE(r.ok()) << method << " " << target << ": " << r.error().ToString();
    return r.ok() ? r->status : -1;
  }

  // Sends GET `target` with `headers` over a raw connection and returns the
  // status of the response's first line; only that is read, so the body of
  // a streamed response or an upgraded connection never has to end.
  static int StatusLine(const std::string& target, const std::string& headers) {
    UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(daemon_->tcp_port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return -1;
    std::string req = "GET " + target +
                      " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(daemon_->tcp_port()) +
                      "\r\n" + headers + "\r\n";
    if (write(fd.get(), req.data(), req.size()) != static_cast<ssize_t>(req.size())) return -1;
    char buf[64] = {};
    ssize_t n = read(fd.get(), buf, sizeof buf - 1);
    if (n < 12) return -1;
    return atoi(buf + 9);  // "HTTP/1.1 101 ..."
  }
  // A streamed response (its body may never end).
  static int StreamStatus(const std::string& target, const std::string& extra_headers) {
    return StatusLine(target, extra_headers);
  }
  // A WebSocket upgrade (101 when accepted).
  static int UpgradeStatus(const std::string& target, const std::string& extra_headers) {
    return StatusLine(target,
                      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Version: 13\r\n" +
                          extra_headers);
  }
  static std::string Bearer(Who who) {
    return tokens_[who].empty() ? "" : "Authorization: Bearer " + tokens_[who] + "\r\n";
  }

  static inline Daemon* daemon_ = nullptr;
  static inline std::string base_;
  static inline std::map<int, std::string> tokens_;
  static inline std::map<std::string, int64_t> user_ids_;
  static inline std::string a1_, a2_;
  static inline bool ready_ = false;
};

struct Cell {
  std::string method;
  std::string path;  // the OpenAPI path; {id} is alice's running instance
  std::string body;
  int expect[4];  // anonymous, alice, bob, admin
};

TEST_F(AuthzMatrixTest, EveryOperationForEveryCaller) {
  const std::string uid_alice = std::to_string(user_ids_["alice"]);
  const std::string rotate = R"({"orientation":"portrait"})";
  const std::string exec = R"({"argv":["true"]})";
  // Read-only and idempotent cells, each tried by all four callers.
  const std::vector<Cell> cells = {
      {"GET", "/api/v1/health", "", {200, 200, 200, 200}},
      {"GET", "/api/v1/openapi.json", "", {200, 200, 200, 200}},
      {"GET", "/healthz", "", {200, 200, 200, 200}},
      {"GET", "/readyz", "", {200, 200, 200, 200}},
      {"GET", "/metrics", "", {401, 403, 403, 200}},
      {"GET", "/api/v1/auth/me", "", {401, 200, 200, 200}},
      {"GET", "/api/v1/users", "", {401, 403, 403, 200}},
      {"GET", "/api/v1/users/{uid}", "", {401, 200, 404, 200}},
      {"GET", "/api/v1/users/{uid}/quota", "", {401, 200, 404, 200}},
      {"PUT", "/api/v1/users/{uid}/quota", R"({"instances":5})", {401, 403, 403, 200}},
      {"PATCH", "/api/v1/users/{uid}", R"({"disabled":false})", {401, 403, 403, 200}},
      {"GET", "/api/v1/tokens", "", {401, 200, 200, 200}},
      {"GET", "/api/v1/audit", "", {401, 403, 403, 200}},
      {"GET", "/api/v1/instances", "", {401, 200, 200, 200}},
      {"GET", "/api/v1/instances/{id}", "", {401, 200, 404, 200}},
      {"GET", "/api/v1/instances/{id}/logs", "", {401, 200, 404, 200}},
      {"POST", "/api/v1/instances/{id}/exec", exec, {401, 200, 404, 200}},
      {"GET", "/api/v1/instances/{id}/screenshot", "", {401, 200, 404, 200}},
      {"GET", "/api/v1/instances/{id}/vnc", "", {401, 200, 404, 200}},
      {"POST", "/api/v1/instances/{id}/rotate", rotate, {401, 200, 404, 200}},
      {"POST", "/api/v1/instances/{id}/input", R"({"steps":[{"wait":1}]})", {401, 200, 404, 200}},
      {"POST", "/api/v1/instances/{a2}/stop", "", {401, 200, 404, 200}},
      {"GET", "/api/v1/images", "", {401, 200, 200, 200}},
      {"POST", "/api/v1/images", R"({"name":"x","path":"/nonexistent"})", {401, 403, 403, 404}},
      {"DELETE", "/api/v1/images/{image}", "", {401, 403, 403, 404}},
      {"POST", "/api/v1/images/{image}/export", R"({"tar":"/nonexistent/x.tar"})",
       {401, 403, 403, 404}},
      {"GET", "/api/v1/node", "", {401, 200, 200, 200}},
      {"GET", "/api/v1/instances/{id}/audio", "", {401, 200, 404, 200}},
      {"GET", "/api/v1/instances/{id}/apps", "", {401, 200, 404, 200}},
      // Not a package: refused after the access check (nothing installs).
      {"POST", "/api/v1/instances/{id}/apps?file=notes.txt", "just text", {401, 400, 404, 400}},
      {"DELETE", "/api/v1/instances/{id}/apps/{app}", "", {401, 404, 404, 404}},
      {"POST", "/api/v1/instances/{id}/apps/{app}/start", "", {401, 404, 404, 404}},
      {"PUT",
       "/api/v1/instances/{id}/audio",
       R"({"volume":1.0,"muted":false})",
       {401, 200, 404, 200}},
      {"GET", "/api/v1/instances/{id}/phone", "", {401, 200, 404, 200}},
      {"PATCH", "/api/v1/instances/{id}/phone", R"({"signal":20})", {401, 200, 404, 200}},
      // Only an admin may change a number (to the one it has: idempotent).
      {"PATCH", "/api/v1/instances/{id}/phone", "{number}", {401, 403, 404, 200}},
      {"GET", "/api/v1/instances/{id}/phone/calls", "", {401, 200, 404, 200}},
      // A body that names neither side: refused after the access check.
      {"POST", "/api/v1/instances/{id}/phone/calls", "{}", {401, 400, 404, 400}},
      {"POST", "/api/v1/instances/{id}/phone/calls/{call}/answer", "", {401, 404, 404, 404}},
      {"DELETE", "/api/v1/instances/{id}/phone/calls/{call}", "", {401, 404, 404, 404}},
      {"GET", "/api/v1/instances/{id}/phone/sms", "", {401, 200, 404, 200}},
      {"POST",
       "/api/v1/instances/{id}/phone/sms",
       R"({"from":"+4930123456","text":"matrix"})",
       {401, 201, 404, 201}},
      {"GET", "/api/v1/instances/{id}/devices", "", {401, 200, 404, 200}},
      {"GET", "/api/v1/instances/{id}/devices/battery", "", {401, 200, 404, 200}},
      {"GET", "/api/v1/instances/{id}/devices/network", "", {401, 200, 404, 200}},
      // Out-of-range or unknown settings: refused after the access check.
      {"PATCH", "/api/v1/instances/{id}/devices/battery", R"({"level":500})",
       {401, 400, 404, 400}},
      {"PATCH", "/api/v1/instances/{id}/devices/network", R"({"no_such_field":1})",
       {401, 400, 404, 400}},
      {"GET", "/api/v1/instances/{id}/devices/location", "", {401, 200, 404, 200}},
      {"PATCH", "/api/v1/instances/{id}/devices/location", R"({"latitude":91,"longitude":0})",
       {401, 400, 404, 400}},
      {"GET", "/api/v1/instances/{id}/devices/sensors", "", {401, 200, 404, 200}},
      {"PATCH", "/api/v1/instances/{id}/devices/sensors", R"({"barometer":1000})",
       {401, 400, 404, 400}},
      {"PUT", "/api/v1/instances/{id}/devices/clipboard", R"({"text":5})", {401, 400, 404, 400}},
      {"GET", "/api/v1/instances/{id}/files/stat?path=/etc", "", {401, 200, 404, 200}},
      {"GET", "/api/v1/instances/{id}/files?path=/etc/passwd", "", {401, 200, 404, 200}},
      // A relative guest path: refused after the access check, nothing written.
      {"PUT", "/api/v1/instances/{id}/files?path=relative", "x", {401, 400, 404, 400}},
      // A selector nobody matches: each caller sees only what it may act on.
      {"POST", "/api/v1/batch", R"({"selector":"team=nobody","action":"start"})",
       {401, 200, 200, 200}},
  };
  // Operations covered by the dedicated tests below (state-changing or not
  // plain request/response).
  const std::set<std::string> elsewhere = {
      "POST /api/v1/auth/login",
      "POST /api/v1/auth/logout",
      "POST /api/v1/auth/password",
      "POST /api/v1/users",
      "DELETE /api/v1/users/{id}",
      "POST /api/v1/tokens",
      "DELETE /api/v1/tokens/{id}",
      "POST /api/v1/instances",
      "DELETE /api/v1/instances/{id}",
      "POST /api/v1/instances/{id}/start",
      "POST /api/v1/instances/{id}/restart",
      "GET /api/v1/instances/{id}/stream",
      "GET /api/v1/instances/{id}/vnc/websocket",
      "GET /api/v1/events",
      "GET /api/v1/audio/mix",
      // Reads the guest's X clipboard: needs its display (tests/devices).
      "GET /api/v1/instances/{id}/devices/clipboard",
      "GET /api/v1/audio/mix.wav",
  };

  auto doc = Json::parse(ReadFile(VMI_SOURCE_OPENAPI).value());
  // The cell's path as the document writes it.
  auto doc_path = [](std::string p) {
    for (const char* param : {"{uid}", "{a2}"}) {
      if (auto at = p.find(param); at != std::string::npos) p.replace(at, strlen(param), "{id}");
    }
    if (auto at = p.find("{image}"); at != std::string::npos) p.replace(at, 7, "{name}");
    if (auto at = p.find('?'); at != std::string::npos) p.resize(at);
    return p;
  };
  std::set<std::string> in_table;
  for (const auto& c : cells) in_table.insert(c.method + " " + doc_path(c.path));
  for (const auto& [path, ops] : doc["paths"].items()) {
    for (const auto& [method, op] : ops.items()) {
      std::string m = method;
      for (auto& ch : m) ch = static_cast<char>(toupper(ch));
      std::string key = m + " " + path;
      EXPECT_TRUE(in_table.count(key) || elsewhere.count(key))
          << key << " has no row in the authorization matrix";
    }
  }

  for (const auto& c : cells) {
    std::string target = c.path;
    auto fill = [&](const char* param, const std::string& value) {
      if (auto at = target.find(param); at != std::string::npos)
        target.replace(at, strlen(param), value);
    };
    fill("{id}", a1_);
    fill("{a2}", a2_);
    fill("{uid}", uid_alice);
    fill("{image}", "no-such-image");
    fill("{app}", "000000000000");
    fill("{call}", "999");
    std::string body = c.body;
    if (body == "{number}") {
      // The instance's own number, read as the admin.
      auto line = Client(kAdmin)->Call("GET", "/api/v1/instances/" + a1_ + "/phone");
      body = Json{{"number", line.ok() ? (*line)["number"].get<std::string>() : ""}}.dump();
    }
    // Rows for routes of subsystems this build or document does not have.
    if (!doc["paths"].contains(doc_path(c.path))) continue;
    for (Who who : {kAnon, kAlice, kBob, kAdmin}) {
      EXPECT_EQ(Status(who, c.method, target, body), c.expect[who])
          << c.method << " " << target << " as " << kWhoNames[who];
    }
  }
}

TEST_F(AuthzMatrixTest, ListsAndEventsShowOnlyWhatOneOwns) {
  auto names = [](const Json& list) {
    std::set<std::string> out;
    for (const auto& i : list) out.insert(i["name"].get<std::string>());
    return out;
  };
  auto alice = Client(kAlice)->Call("GET", "/api/v1/instances");
  auto bob = Client(kBob)->Call("GET", "/api/v1/instances");
  auto admin = Client(kAdmin)->Call("GET", "/api/v1/instances");
  ASSERT_TRUE(alice.ok() && bob.ok() && admin.ok());
  EXPECT_TRUE(names(*alice).count("alice-1"));
  EXPECT_TRUE(names(*alice).count("alice-2"));
  EXPECT_FALSE(names(*bob).count("alice-1"));
  EXPECT_TRUE(names(*admin).count("alice-1"));

  // The event stream's snapshot is filtered the same way.
  auto first_events = [](Who who) {
    std::set<std::string> seen;
    api::SseParser parser([&](const api::SseParser::Event& e) {
      if (e.event == "instance") seen.insert(Json::parse(e.data)["name"].get<std::string>());
    });
    std::string buffered;
    auto st = Client(who)->Stream("GET", "/api/v1/events", [&](std::string_view d) {
      parser.Feed(d);
      buffered.append(d);
      return buffered.find("\n\n") == std::string::npos || seen.size() < 2;
    });
    return std::make_pair(st.ok() ? *st : -1, seen);
  };
  auto [alice_status, alice_seen] = first_events(kAlice);
  EXPECT_EQ(alice_status, 200);
  EXPECT_TRUE(alice_seen.count("alice-1"));
  EXPECT_EQ(Status(kAnon, "GET", "/api/v1/events"), 401);
}

TEST_F(AuthzMatrixTest, StateChangesBelongToTheOwner) {
  const std::string a2 = "/api/v1/instances/" + a2_;
  for (const char* op : {"/start", "/restart"}) {
    EXPECT_EQ(Status(kAnon, "POST", a2 + op), 401) << op;
    EXPECT_EQ(Status(kBob, "POST", a2 + op), 404) << op;
  }
  EXPECT_EQ(Status(kAnon, "DELETE", a2), 401);
  EXPECT_EQ(Status(kBob, "DELETE", a2), 404);
  // Guessing alice's instance leaves a trace in the audit log.
  auto audit = Client(kAdmin)->Call("GET", "/api/v1/audit?action=instance.delete");
  ASSERT_TRUE(audit.ok());
  bool denied = false;
  for (const auto& e : (*audit)["entries"])
    denied |= e["user"] == "bob" && e["outcome"] == "denied";
  EXPECT_TRUE(denied) << audit->dump();

  EXPECT_EQ(Status(kAlice, "POST", a2 + "/restart"), 200);  // starts it
  EXPECT_EQ(Status(kAlice, "POST", a2 + "/stop"), 200);
  EXPECT_EQ(Status(kAlice, "POST", a2 + "/start"), 200);
  EXPECT_EQ(Status(kAdmin, "DELETE", a2 + "?force=1"), 204);
  EXPECT_EQ(Status(kAlice, "GET", a2), 404);

  // bob creates his own (quota: one instance); alice cannot see it.
  std::string body = R"({"name":"bobs-phone","cpus":1,"memory":"512M"})";
  EXPECT_EQ(Status(kAnon, "POST", "/api/v1/instances", body), 401);
  auto created = Client(kBob)->Send("POST", "/api/v1/instances", body);
  ASSERT_TRUE(created.ok());
  ASSERT_EQ(created->status, 201) << created->body;
  std::string bobs = Json::parse(created->body)["id"].get<std::string>();
  EXPECT_EQ(Status(kAlice, "GET", "/api/v1/instances/" + bobs), 404);
  EXPECT_EQ(Status(kAlice, "DELETE", "/api/v1/instances/" + bobs), 404);
  auto over = Client(kBob)->Send("POST", "/api/v1/instances",
                                 R"({"name":"bobs-second","cpus":1,"memory":"512M"})");
  ASSERT_TRUE(over.ok());
  EXPECT_EQ(over->status, 429) << over->body;
  EXPECT_NE(over->body.find("quota exceeded"), std::string::npos) << over->body;
  EXPECT_EQ(Status(kBob, "GET", "/api/v1/instances/bobs-second"), 404);  // nothing half-made
  EXPECT_EQ(Status(kBob, "DELETE", "/api/v1/instances/" + bobs), 204);
  // The quota was released with the row: bob may create again.
  auto again = Client(kBob)->Send("POST", "/api/v1/instances", body);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 201) << again->body;
  EXPECT_EQ(Status(kBob, "DELETE", "/api/v1/instances/bobs-phone"), 204);
}

TEST_F(AuthzMatrixTest, LiveStreamUpgradeChecksTheCaller) {
  const std::string target = "/api/v1/instances/" + a1_ + "/stream";
  EXPECT_EQ(UpgradeStatus(target, ""), 401);
  EXPECT_EQ(UpgradeStatus(target, Bearer(kBob)), 404);
  EXPECT_EQ(UpgradeStatus(target, Bearer(kAlice)), 101);
  EXPECT_EQ(UpgradeStatus(target, Bearer(kAdmin)), 101);
  EXPECT_EQ(UpgradeStatus(target + "?audio=0", Bearer(kAlice)), 101);  // a wall tile
  EXPECT_EQ(UpgradeStatus(target + "?audio=2", Bearer(kAlice)), 400);
  // A browser session works from the same origin, and never cross-site.
  auto s = Login("alice", "alice-password-1");
  ASSERT_TRUE(s.ok());
  std::string origin = "http://127.0.0.1:" + std::to_string(daemon_->tcp_port());
  EXPECT_EQ(UpgradeStatus(target, "Cookie: " + s->cookie + "\r\nOrigin: " + origin + "\r\n"), 101);
  EXPECT_EQ(UpgradeStatus(target, "Cookie: " + s->cookie + "\r\nOrigin: http://evil.example\r\n"),
            403);
}

// RFB over a WebSocket: the action vnc, as GET /vnc.
TEST_F(AuthzMatrixTest, VncWebSocketUpgradeChecksTheCaller) {
  const std::string target = "/api/v1/instances/" + a1_ + "/vnc/websocket";
  EXPECT_EQ(UpgradeStatus(target, ""), 401);
  EXPECT_EQ(UpgradeStatus(target, Bearer(kBob)), 404);
  EXPECT_EQ(UpgradeStatus(target, Bearer(kAlice)), 101);
  EXPECT_EQ(UpgradeStatus(target, Bearer(kAdmin)), 101);
  EXPECT_EQ(UpgradeStatus("/api/v1/instances/no-such-phone/vnc/websocket", Bearer(kAdmin)), 404);
}

TEST_F(AuthzMatrixTest, AudioMixUpgradeChecksEveryListedInstance) {
  const std::string mix = "/api/v1/audio/mix?instances=";
  EXPECT_EQ(UpgradeStatus(mix + a1_, ""), 401);
  EXPECT_EQ(UpgradeStatus(mix + a1_, Bearer(kBob)), 404);
  EXPECT_EQ(UpgradeStatus(mix + a1_, Bearer(kAlice)), 101);
  // By id and by name: the same instance, listed once.
  EXPECT_EQ(UpgradeStatus(mix + a1_ + ",alice-1", Bearer(kAlice)), 101);
  EXPECT_EQ(UpgradeStatus(mix + "alice-1", Bearer(kAdmin)), 101);
  // One instance the caller may not see refuses the whole mix, like an
  // unknown one.
  EXPECT_EQ(UpgradeStatus(mix + a1_ + ",no-such-phone", Bearer(kAlice)), 404);
  EXPECT_EQ(UpgradeStatus(mix + a1_ + ",,", Bearer(kAlice)), 400);
  EXPECT_EQ(UpgradeStatus("/api/v1/audio/mix", Bearer(kAlice)), 400);
  // The WAV stream of the same mix: the same rules.
  const std::string wav = "/api/v1/audio/mix.wav?instances=";
  EXPECT_EQ(StreamStatus(wav + a1_, ""), 401);
  EXPECT_EQ(StreamStatus(wav + a1_, Bearer(kBob)), 404);
  EXPECT_EQ(StreamStatus(wav + a1_, Bearer(kAlice)), 200);
  EXPECT_EQ(StreamStatus(wav + "alice-1", Bearer(kAdmin)), 200);
  EXPECT_EQ(StreamStatus(wav + a1_ + ",no-such-phone", Bearer(kAlice)), 404);
  EXPECT_EQ(StreamStatus("/api/v1/audio/mix.wav", Bearer(kAlice)), 400);
}

TEST_F(AuthzMatrixTest, MetricsDescribeTheRunningInstance) {
  auto r = Client(kAdmin)->Send("GET", "/metrics");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200);
  const std::string& m = r->body;
  EXPECT_NE(m.find("vmi_instances{state=\"running\"} 1"), std::string::npos) << m;
  const std::string label = "instance=\"" + a1_ + "\"";
  for (const char* family : {"vmi_instance_memory_bytes{", "vmi_instance_cpu_seconds_total{",
                             "vmi_instance_memory_limit_bytes{", "vmi_stream_viewers{"}) {
    size_t at = m.find(family + label);
    EXPECT_NE(at, std::string::npos) << family << " for " << a1_ << " in\n" << m;
  }
  // The cgroup's memory is real: more than the idle session's first MiB.
  size_t at = m.find("vmi_instance_memory_bytes{" + label);
  if (at != std::string::npos) {
    double bytes = atof(m.c_str() + m.find("} ", at) + 2);
    EXPECT_GT(bytes, 1 << 20);
  }
  EXPECT_NE(m.find("vmi_api_requests_total"), std::string::npos);
  EXPECT_NE(m.find("vmi_api_request_duration_seconds_bucket"), std::string::npos);
}

TEST_F(AuthzMatrixTest, SessionsNeedCsrfAndTokensCanBeRevoked) {
  auto s = Login("alice", "alice-password-1");
  ASSERT_TRUE(s.ok());
  const std::string stop = "/api/v1/instances/" + a2_ + "/stop";
  api::Headers cookie_only;
  cookie_only.Add("Cookie", s->cookie);
  auto no_csrf = Client(kAnon)->Send("POST", "/api/v1/tokens", R"({"name":"x"})",
                                     "application/json", cookie_only);
  ASSERT_TRUE(no_csrf.ok());
  EXPECT_EQ(no_csrf->status, 403);
  EXPECT_EQ(Status(kAnon, "GET", "/api/v1/auth/me", "", cookie_only), 200);  // reads need none

  // A token stops working once revoked.
  std::string token = TokenFor("alice", "alice-password-1");
  ASSERT_FALSE(token.empty());
  auto c = api::HttpClient::Create({.server = base_, .token = token});
  auto list = (*c)->Call("GET", "/api/v1/tokens");
  ASSERT_TRUE(list.ok());
  int64_t id = 0;
  for (const auto& t : (*list)["tokens"]) id = std::max(id, t["id"].get<int64_t>());
  ASSERT_TRUE((*c)->Call("DELETE", "/api/v1/tokens/" + std::to_string(id)).ok());
  auto after = (*c)->Send("GET", "/api/v1/instances");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->status, 401);
  // bob cannot revoke alice's tokens.
  EXPECT_EQ(Status(kBob, "DELETE", "/api/v1/tokens/1"), 404);
}

}  // namespace
}  // namespace vmi::testing
