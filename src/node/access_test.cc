// The node's access hooks over a real Management (SQLite): every action of
// the instance routes and live channels maps to an Authorizer action, owners
// and admins pass, other users get a not-found that does not name the
// instance, anonymous callers are refused, unknown actions fail closed, and
// refusals are audited.
#include "node/access.h"

#include <gtest/gtest.h>

#include "store/testing/postgres_server.h"

namespace vmi::node {
namespace {

class AccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::Migrations m;
    api::Management::AddMigrations(m);
    auto db = store::testing::OpenFreshDatabase("sqlite", m);
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    db_ = std::move(*db);
    api::ManagementOptions o;
    o.admin_password = "admin-password-1";
    auto mgmt = api::Management::Create(db_.get(), o);
    ASSERT_TRUE(mgmt.ok());
    mgmt_ = std::move(*mgmt);
    ASSERT_TRUE(mgmt_->EnsureAdmin().ok());
    for (const char* name : {"alice", "bob"}) {
      auto u = mgmt_->users().Create(name, std::string(name) + "-password", api::Role::kUser);
      ASSERT_TRUE(u.ok());
      ids_[name] = u->id;
    }
    record_.spec.id = "0123456789ab";
    record_.spec.name = "alices-phone";
    record_.owner_id = ids_["alice"];
  }

  api::Request As(const std::string& who) {
    api::Request req;
    if (who.empty()) return req;
    req.auth.user_id = who == "admin" ? 1 : ids_[who];
    req.auth.user_name = who;
    req.auth.role = who == "admin" ? api::Role::kAdmin : api::Role::kUser;
    req.auth.method = api::AuthContext::Method::kToken;
    return req;
  }

  std::unique_ptr<store::Database> db_;
  std::unique_ptr<api::Management> mgmt_;
  std::map<std::string, int64_t> ids_;
  InstanceRecord record_;
};

TEST(InstanceActionTest, EveryRouteActionIsKnown) {
  for (const char* a : {"list", "inspect", "logs", "create", "start", "stop", "restart", "rotate",
                        "control", "delete", "stream", "screenshot", "input", "exec", "vnc"})
    EXPECT_TRUE(InstanceAction(a).has_value()) << a;
  EXPECT_EQ(*InstanceAction("vnc"), api::Action::kVncPassword);
  EXPECT_EQ(*InstanceAction("screenshot"), api::Action::kViewStream);
  EXPECT_EQ(*InstanceAction("exec"), api::Action::kExec);
  EXPECT_FALSE(InstanceAction("format-disk").has_value());
  EXPECT_FALSE(InstanceAction("").has_value());
}

TEST_F(AccessTest, OwnersAndAdminsPassOthersSeeNothing) {
  auto check = MakeAccessCheck(*mgmt_);
  for (const char* action : {"inspect", "stop", "delete", "stream", "vnc", "exec", "input"}) {
    EXPECT_TRUE(check(As("alice"), record_, action).ok()) << action;
    EXPECT_TRUE(check(As("admin"), record_, action).ok()) << action;
    auto bob = check(As("bob"), record_, action);
    ASSERT_FALSE(bob.ok()) << action;
    EXPECT_EQ(bob.error().code(), ErrorCode::kNotFound) << action;
    EXPECT_EQ(bob.error().ToString().find("alices-phone"), std::string::npos)
        << bob.error().ToString();
    auto anon = check(As(""), record_, action);
    ASSERT_FALSE(anon.ok());
    EXPECT_EQ(anon.error().code(), ErrorCode::kUnauthenticated);
  }
  auto unknown = check(As("admin"), record_, "format-disk");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kPermissionDenied);
}

TEST_F(AccessTest, RefusalsAreAuditedButListFilteringIsNot) {
  auto check = MakeAccessCheck(*mgmt_);
  EXPECT_FALSE(check(As("bob"), record_, "list").ok());
  EXPECT_FALSE(check(As("bob"), record_, "delete").ok());
  api::AuditQuery q;
  q.action = "instance.";
  auto entries = mgmt_->audit().List(q);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].action, "instance.delete");
  EXPECT_EQ((*entries)[0].outcome, "denied");
  EXPECT_EQ((*entries)[0].user_name, "bob");
}

TEST_F(AccessTest, ImagesChangeOnlyForAdmins) {
  auto may = MakeImageChangeCheck(*mgmt_);
  EXPECT_TRUE(may(As("admin")).ok());
  auto user = may(As("alice"));
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_FALSE(may(As("")).ok());
}

TEST_F(AccessTest, AuditHookRecordsOutcomes) {
  auto audit = MakeAudit(*mgmt_);
  audit(As("alice"), "instance.start", "instance/alices-phone", nullptr);
  Error e(ErrorCode::kResourceExhausted, "quota exceeded: instances");
  audit(As("alice"), "instance.create", "instance/second", &e);
  api::AuditQuery q;
  q.action = "instance.";
  auto entries = mgmt_->audit().List(q);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].action, "instance.create");  // newest first
  EXPECT_EQ((*entries)[0].outcome, "failed");
  EXPECT_NE((*entries)[0].detail.find("quota exceeded"), std::string::npos);
  EXPECT_EQ((*entries)[1].outcome, "ok");
}

}  // namespace
}  // namespace vmi::node
