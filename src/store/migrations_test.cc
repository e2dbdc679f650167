#include "store/migrations.h"

#include <gtest/gtest.h>

#include "store/testing/postgres_server.h"

namespace vmi::store {
namespace {

class MigrationsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto url = testing::FreshDatabaseUrl(GetParam());
    ASSERT_TRUE(url.ok()) << url.error().ToString();
    url_ = *url;
    auto db = Database::Open(url_);
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    db_ = std::move(*db);
  }
  std::string url_;
  std::unique_ptr<Database> db_;
};

TEST_P(MigrationsTest, AppliesInOrderOnceAndPerComponent) {
  Migrations m;
  m.Add("auth", 1, "users", "CREATE TABLE users (id ${ID}, name TEXT NOT NULL UNIQUE)");
  m.Add("runtime", 1, "instances",
        "CREATE TABLE instances (id TEXT PRIMARY KEY, owner BIGINT REFERENCES users(id))");
  m.Add("auth", 2, "users.role", "ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user'");
  ASSERT_TRUE(m.Apply(*db_).ok());
  EXPECT_EQ(*SchemaVersion(*db_, "auth"), 2);
  EXPECT_EQ(*SchemaVersion(*db_, "runtime"), 1);
  EXPECT_EQ(*SchemaVersion(*db_, "other"), 0);
  ASSERT_TRUE(db_->Exec("INSERT INTO users (name) VALUES ('a')").ok());
  // Applying again is a no-op (it would fail if it re-ran CREATE TABLE).
  auto again = m.Apply(*db_);
  EXPECT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ((*db_->QueryOne("SELECT role FROM users"))->Text(0), "user");

  // A later binary adds a migration: only the new one runs.
  Migrations m2 = m;
  m2.Add("runtime", 2, "instances.state",
         "ALTER TABLE instances ADD COLUMN state TEXT NOT NULL DEFAULT 'created'");
  ASSERT_TRUE(m2.Apply(*db_).ok());
  EXPECT_EQ(*SchemaVersion(*db_, "runtime"), 2);
  // An older binary refuses a newer schema.
  auto old = m.Apply(*db_);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().code(), ErrorCode::kFailedPrecondition);
}

TEST_P(MigrationsTest, FailedMigrationLeavesNothingBehind) {
  Migrations m;
  m.Add("x", 1, "ok", "CREATE TABLE a (k TEXT PRIMARY KEY)");
  m.Add("x", 2, "broken", "CREATE TABLE b (k TEXT PRIMARY KEY); CREATE TABLE broken (");
  auto r = m.Apply(*db_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().ToString().find("x/2"), std::string::npos) << r.error().ToString();
  EXPECT_EQ(*SchemaVersion(*db_, "x"), 1);
  // Table b was rolled back with the failed migration.
  EXPECT_FALSE(db_->Query("SELECT k FROM b").ok());
  EXPECT_TRUE(db_->Query("SELECT k FROM a").ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, MigrationsTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST(MigrationsDeathTest, VersionsMustCountUp) {
  Migrations m;
  m.Add("c", 1, "a", "SELECT 1");
  EXPECT_DEATH(m.Add("c", 3, "b", "SELECT 1"), "expected version 2");
}

}  // namespace
}  // namespace vmi::store
