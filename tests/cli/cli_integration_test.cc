// The vmi CLI as a client of a real daemon's REST API: login stores a 0600
// credentials file used by later commands, tokens, users and quotas, the
// audit log, logout, the event stream, and the documented exit codes
// (0 ok, 1 error with the server's message, 2 usage).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "cli_fixture.h"

namespace vmi::testing {
namespace {

using nlohmann::json;

constexpr const char* kAdminPw = Node::kAdminPassword;

class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0) return;
    node_ = new Node();
    std::string error;
    if (!node_->Start(&error)) {
      start_error_ = new std::string(error);
      delete node_;
      node_ = nullptr;
    }
  }
  static void TearDownTestSuite() {
    delete node_;
    node_ = nullptr;
  }
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "the daemon needs root";
    ASSERT_NE(node_, nullptr) << (start_error_ ? *start_error_ : "no daemon");
  }

  // As root on the daemon's Unix socket: the local admin, no token.
  CliRun Local(std::vector<std::string> args, std::vector<std::string> env = {}) {
    args.insert(args.begin(), {"--server", node_->unix_socket()});
    return root_.Run(args, env);
  }
  json LocalJson(std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    CliRun r = Local(args);
    EXPECT_EQ(r.code, 0) << r.err;
    return json::parse(r.out, nullptr, false);
  }
  // Logs `who` in over TCP; returns the run.
  CliRun Login(const CliUser& who, const std::string& name, const std::string& password) {
    return who.Run({"--server", node_->tcp(), "login", "--name", name},
                   {"VMI_PASSWORD=" + password});
  }
  json StoredCredentials(const CliUser& who) {
    auto text = ReadFile(who.credentials_path());
    if (!text.ok()) return json();
    return json::parse(*text, nullptr, false);
  }
  std::string StoredToken(const CliUser& who) {
    json c = StoredCredentials(who);
    if (!c.is_object() || !c["servers"].contains(node_->tcp())) return "";
    return c["servers"][node_->tcp()].value("token", "");
  }
  // Creates a user through the CLI (admin on the local socket).
  void CreateUser(const std::string& name, const std::string& password,
                  std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"user", "create", name};
    args.insert(args.end(), extra.begin(), extra.end());
    CliRun r = Local(args, {"VMI_NEW_PASSWORD=" + password});
    ASSERT_EQ(r.code, 0) << r.err;
  }

  static Node* node_;
  static std::string* start_error_;
  CliUser root_;
};

Node* CliTest::node_ = nullptr;
std::string* CliTest::start_error_ = nullptr;

TEST_F(CliTest, LoginStoresPrivateCredentialsUsedByLaterCommands) {
  CliUser admin;
  // Before logging in, TCP needs a token: a clear refusal with a hint.
  CliRun anon = admin.Run({"--server", node_->tcp(), "ls"});
  EXPECT_EQ(anon.code, 1);
  EXPECT_NE(anon.err.find("unauthenticated"), std::string::npos) << anon.err;
  EXPECT_NE(anon.err.find("vmi login"), std::string::npos) << anon.err;

  CliRun login = Login(admin, "admin", kAdminPw);
  ASSERT_EQ(login.code, 0) << login.err;
  EXPECT_NE(login.out.find("Logged in to " + node_->tcp() + " as admin"), std::string::npos)
      << login.out;

  struct stat st {};
  ASSERT_EQ(stat(admin.credentials_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string token = StoredToken(admin);
  EXPECT_EQ(token.rfind("vmi_", 0), 0u) << token;
  // The password is not stored anywhere in the file.
  EXPECT_EQ(ReadFile(admin.credentials_path())->find(kAdminPw), std::string::npos);

  // No --server: the server of the last login; no --token: the stored one.
  CliRun who = admin.Run({"--json", "whoami"});
  ASSERT_EQ(who.code, 0) << who.err;
  json me = json::parse(who.out);
  EXPECT_EQ(me["name"], "admin");
  EXPECT_EQ(me["role"], "admin");
  EXPECT_EQ(me["auth_method"], "token");
  CliRun human = admin.Run({"whoami"});
  EXPECT_NE(human.out.find("admin (admin"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("by token"), std::string::npos) << human.out;
  EXPECT_EQ(admin.Run({"ls"}).code, 0);
}

TEST_F(CliTest, WrongPasswordExitsOneWithTheServersMessage) {
  CliUser someone;
  CliRun r = Login(someone, "admin", "not-the-password");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("wrong user name or password"), std::string::npos) << r.err;
  EXPECT_FALSE(PathExists(someone.credentials_path()));
  // No password at all (empty stdin, no $VMI_PASSWORD): an error, not a hang.
  CliRun none = someone.Run({"--server", node_->tcp(), "login"});
  EXPECT_EQ(none.code, 1);
  EXPECT_NE(none.err.find("no password"), std::string::npos) << none.err;
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  CliUser u;
  EXPECT_EQ(u.Run({"no-such-command"}).code, 2);
  EXPECT_EQ(u.Run({"rotate", "phone1", "sideways"}).code, 2);
  EXPECT_EQ(u.Run({"token", "rm", "abc"}).code, 2);
  EXPECT_EQ(u.Run({"user", "create"}).code, 2);
  EXPECT_EQ(u.Run({"audit", "--limit", "0"}).code, 2);
  CliRun no_limits = u.Run({"quota", "set", "bob"});
  EXPECT_EQ(no_limits.code, 2);
  EXPECT_NE(no_limits.err.find("--instances"), std::string::npos) << no_limits.err;
  CliRun bad_memory = u.Run({"quota", "set", "bob", "--memory", "lots"});
  EXPECT_EQ(bad_memory.code, 2);
  EXPECT_NE(bad_memory.err.find("--memory"), std::string::npos) << bad_memory.err;
  CliRun bad_server = u.Run({"--server", "ftp://example", "ls"});
  EXPECT_EQ(bad_server.code, 2);
  EXPECT_NE(bad_server.err.find("http://host:port"), std::string::npos) << bad_server.err;
  CliRun help = u.Run({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("Exit codes"), std::string::npos);
}

TEST_F(CliTest, AdminCreatesUserWithQuotaWhoLogsInAndSeesOnlyTheirs) {
  CreateUser("carol", "carol-password", {"--instances", "2", "--cpus", "1.5", "--memory", "2G"});
  CliRun set = Local({"quota", "set", "carol", "--instances", "3"});
  ASSERT_EQ(set.code, 0) << set.err;
  json q = LocalJson({"quota", "get", "carol"});
  EXPECT_EQ(q["limits"]["instances"], 3);
  EXPECT_DOUBLE_EQ(q["limits"]["cpus"].get<double>(), 1.5);
  EXPECT_EQ(q["limits"]["memory_mb"], 2048);
  CliRun users = Local({"user", "ls"});
  EXPECT_NE(users.out.find("carol"), std::string::npos) << users.out;
  EXPECT_NE(users.out.find("0/3"), std::string::npos) << users.out;

  CliUser carol;
  CliRun login = Login(carol, "carol", "carol-password");
  ASSERT_EQ(login.code, 0) << login.err;
  json me = json::parse(carol.Run({"--json", "whoami"}).out);
  EXPECT_EQ(me["name"], "carol");
  EXPECT_EQ(me["role"], "user");
  json own = json::parse(carol.Run({"--json", "quota", "get"}).out);
  EXPECT_EQ(own["limits"]["instances"], 3);
  // Not an admin: user administration is refused with the server's reason.
  CliRun denied = carol.Run({"user", "ls"});
  EXPECT_EQ(denied.code, 1);
  EXPECT_NE(denied.err.find("permission_denied"), std::string::npos) << denied.err;
  EXPECT_EQ(carol.Run({"audit"}).code, 1);

  // An admin resets her password: the old one stops working.
  ASSERT_EQ(Local({"user", "passwd", "carol"}, {"VMI_NEW_PASSWORD=carol-new-password"}).code, 0);
  CliUser again;
  EXPECT_EQ(Login(again, "carol", "carol-password").code, 1);
  EXPECT_EQ(Login(again, "carol", "carol-new-password").code, 0);

  // Promoted, she may list users.
  ASSERT_EQ(Local({"user", "set-role", "carol", "admin"}).code, 0);
  EXPECT_EQ(carol.Run({"user", "ls"}).code, 0);
  ASSERT_EQ(Local({"user", "set-role", "carol", "user"}).code, 0);
}

TEST_F(CliTest, DisabledUsersTokenIsRefusedUntilEnabled) {
  CreateUser("erin", "erin-password");
  CliUser erin;
  ASSERT_EQ(Login(erin, "erin", "erin-password").code, 0);
  ASSERT_EQ(erin.Run({"whoami"}).code, 0);
  ASSERT_EQ(Local({"user", "disable", "erin"}).code, 0);
  CliRun refused = erin.Run({"whoami"});
  EXPECT_EQ(refused.code, 1);
  EXPECT_NE(refused.err.find("unauthenticated"), std::string::npos) << refused.err;
  EXPECT_EQ(Login(CliUser(), "erin", "erin-password").code, 1);
  ASSERT_EQ(Local({"user", "enable", "erin"}).code, 0);
  EXPECT_EQ(erin.Run({"whoami"}).code, 0);
}

TEST_F(CliTest, TokensCreateListRevokeAndARevokedTokenIsRefused) {
  json t = LocalJson({"token", "create", "ci-runner"});
  std::string token = t.value("token", "");
  int64_t id = t.value("id", int64_t{0});
  ASSERT_EQ(token.rfind("vmi_", 0), 0u);
  CliUser script;
  CliRun ok = script.Run({"--server", node_->tcp(), "--token", token, "whoami"});
  EXPECT_EQ(ok.code, 0) << ok.err;
  // $VMI_TOKEN works as --token.
  EXPECT_EQ(script.Run({"--server", node_->tcp(), "ls"}, {"VMI_TOKEN=" + token}).code, 0);

  json list = LocalJson({"token", "ls"});
  bool listed = false;
  for (const auto& k : list["tokens"]) listed |= k["id"] == id && k["name"] == "ci-runner";
  EXPECT_TRUE(listed) << list.dump();
  CliRun human = Local({"token", "ls"});
  EXPECT_NE(human.out.find("ci-runner"), std::string::npos);

  ASSERT_EQ(Local({"token", "rm", std::to_string(id)}).code, 0);
  CliRun refused = script.Run({"--server", node_->tcp(), "--token", token, "whoami"});
  EXPECT_EQ(refused.code, 1);
  EXPECT_NE(refused.err.find("revoked"), std::string::npos) << refused.err;
  // Revoking an unknown token: the server's not_found, exit 1.
  CliRun unknown = Local({"token", "rm", "999999"});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.err.find("no token 999999"), std::string::npos) << unknown.err;
}

TEST_F(CliTest, LogoutRevokesTheStoredToken) {
  CliUser admin;
  ASSERT_EQ(Login(admin, "admin", kAdminPw).code, 0);
  std::string token = StoredToken(admin);
  ASSERT_FALSE(token.empty());
  CliRun out = admin.Run({"logout"});
  ASSERT_EQ(out.code, 0) << out.err;
  EXPECT_NE(out.out.find("revoked"), std::string::npos) << out.out;
  EXPECT_EQ(StoredToken(admin), "");
  CliRun old = admin.Run({"--server", node_->tcp(), "--token", token, "ls"});
  EXPECT_EQ(old.code, 1);
  EXPECT_NE(old.err.find("revoked"), std::string::npos) << old.err;
  CliRun twice = admin.Run({"--server", node_->tcp(), "logout"});
  EXPECT_EQ(twice.code, 1);
  EXPECT_NE(twice.err.find("not logged in"), std::string::npos) << twice.err;
}

TEST_F(CliTest, AuditShowsLoginsTokensAndUserChanges) {
  CliUser u;
  ASSERT_EQ(Login(u, "admin", "wrong-password-here").code, 1);
  CreateUser("dave", "dave-password");
  json failed = LocalJson({"audit", "--action", "auth.login", "--limit", "20"});
  bool saw_failure = false;
  for (const auto& e : failed["entries"]) {
    EXPECT_EQ(e["action"], "auth.login");
    saw_failure |= e["outcome"] == "failed" && e["user"] == "admin";
  }
  EXPECT_TRUE(saw_failure) << failed.dump();
  CliRun table = Local({"audit", "--action", "user.", "--limit", "50"});
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_NE(table.out.find("ACTION"), std::string::npos);
  EXPECT_NE(table.out.find("user.create"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("user/dave"), std::string::npos) << table.out;
  // Filter by user name: the CLI resolves it to the id the API wants.
  // (Root on the local socket acts as admin and is recorded as such.)
  int64_t admin_id = 0;
  json users = LocalJson({"user", "ls"});
  for (const auto& u : users["users"])
    if (u["name"] == "admin") admin_id = u["id"].get<int64_t>();
  ASSERT_NE(admin_id, 0);
  json by_user = LocalJson({"audit", "--user", "admin", "--limit", "5"});
  ASSERT_FALSE(by_user["entries"].empty());
  for (const auto& e : by_user["entries"]) EXPECT_EQ(e["user_id"], admin_id) << e.dump();
  ASSERT_EQ(Local({"user", "rm", "dave"}).code, 0);
  CliRun gone = Local({"user", "rm", "dave"});
  EXPECT_EQ(gone.code, 1);
  EXPECT_NE(gone.err.find("no user 'dave'"), std::string::npos) << gone.err;
}

TEST_F(CliTest, NodeEventsAndLiveCommandsOnACreatedInstance) {
  CliRun node = Local({"node"});
  ASSERT_EQ(node.code, 0) << node.err;
  EXPECT_NE(node.out.find("CAPACITY"), std::string::npos) << node.out;

  CliRun created = Local({"create", "--name", "cli-ev1", "--memory", "256M", "--network", "none"});
  ASSERT_EQ(created.code, 0) << created.err;
  std::string id = created.out.substr(0, created.out.find('\n'));
  // The snapshot at the start of the stream holds it: one event, at once
  // (the generous timeout only bounds a broken stream).
  CliRun ev = root_.Run({"--server", node_->unix_socket(), "--json", "events", "--count", "1",
                         "--instance", "cli-ev1"},
                        {}, "", std::chrono::seconds(20));
  EXPECT_EQ(ev.code, 0) << ev.err;
  json line = json::parse(ev.out.substr(0, ev.out.find('\n')), nullptr, false);
  ASSERT_TRUE(line.is_object()) << ev.out;
  EXPECT_EQ(line.value("event", ""), "instance") << ev.out;
  EXPECT_EQ(line["data"].value("id", ""), id) << ev.out;
  CliRun human =
      root_.Run({"--server", node_->unix_socket(), "events", "--count", "1", "--instance", id}, {},
                "", std::chrono::seconds(20));
  EXPECT_NE(human.out.find("instance " + id + " cli-ev1"), std::string::npos) << human.out;

  // Not running: the live commands fail with the server's reason.
  CliRun vnc = Local({"vnc", id});
  EXPECT_EQ(vnc.code, 1);
  EXPECT_FALSE(vnc.err.empty());
  CliRun rotate = Local({"rotate", id, "landscape"});
  EXPECT_EQ(rotate.code, 1);
  EXPECT_FALSE(rotate.err.empty());

  // Its sound in a mix, as WAV on stdout: silence while it does not run,
  // but in real time, exactly as long as asked.
  CliRun wav = Local({"listen", id, "--seconds", "0.5"});
  EXPECT_EQ(wav.code, 0) << wav.err;
  ASSERT_EQ(wav.out.size(), 44u + 24000u * 4) << wav.err;
  EXPECT_EQ(wav.out.substr(0, 4), "RIFF");
  EXPECT_EQ(wav.out.substr(8, 8), "WAVEfmt ");
  EXPECT_EQ(wav.out.find_first_not_of('\0', 44), std::string::npos)
      << "sound from a stopped instance";
  CliRun nobody = Local({"listen", id + ",no-such-phone", "--seconds", "0.1"});
  EXPECT_EQ(nobody.code, 1);
  EXPECT_NE(nobody.err.find("no-such-phone"), std::string::npos) << nobody.err;

  CliRun ls = Local({"ls"});
  EXPECT_NE(ls.out.find("cli-ev1"), std::string::npos) << ls.out;
  ASSERT_EQ(Local({"rm", id}).code, 0);
  CliRun missing = Local({"inspect", id});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("not_found"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace vmi::testing
