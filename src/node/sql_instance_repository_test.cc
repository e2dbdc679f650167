// The instance repository on both database backends (SQLite and a real
// PostgreSQL server): rows round-trip, names and slots stay unique, the
// owner must exist, and an owner's quota moves in the same transaction as
// the row, also under concurrent inserts.
#include "node/sql_instance_repository.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "api/management.h"
#include "node/access.h"
#include "store/testing/postgres_server.h"

namespace vmi::node {
namespace {

class SqlInstanceRepositoryTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    store::Migrations m;
    api::Management::AddMigrations(m);
    AddInstanceMigrations(m);
    auto db = store::testing::OpenFreshDatabase(GetParam(), m);
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    db_ = std::move(*db);
    api::ManagementOptions o;
    o.admin_password = "admin-password-1";
    o.default_quota = {3, 4000, 4096};
    auto mgmt = api::Management::Create(db_.get(), o);
    ASSERT_TRUE(mgmt.ok());
    mgmt_ = std::move(*mgmt);
    ASSERT_TRUE(mgmt_->EnsureAdmin().ok());
    auto alice = mgmt_->users().Create("alice", "alice-password-1", api::Role::kUser);
    ASSERT_TRUE(alice.ok()) << alice.error().ToString();
    alice_ = alice->id;
    repo_ = std::make_unique<SqlInstanceRepository>(db_.get());
    repo_->SetAdmission(
        [this](store::Tx& tx, const InstanceRecord& r) {
          return mgmt_->quotas().Reserve(tx, r.owner_id, QuotaUsage(r));
        },
        [this](store::Tx& tx, const InstanceRecord& r) {
          return mgmt_->quotas().Release(tx, r.owner_id, QuotaUsage(r));
        });
  }

  InstanceRecord Record(const std::string& id, int slot, int64_t owner) {
    InstanceRecord r;
    r.spec.id = id;
    r.spec.name = "phone-" + id;
    r.spec.image = "linux-mobile";
    r.spec.cpus = 1;
    r.spec.memory_bytes = 1024ll << 20;
    r.slot.index = slot;
    r.owner_id = owner;
    r.vnc_password = "secret";
    return r;
  }

  int64_t UsedInstances(int64_t user) {
    auto q = mgmt_->quotas().Get(user);
    EXPECT_TRUE(q.ok());
    return q.ok() ? q->used.instances : -1;
  }

  std::unique_ptr<store::Database> db_;
  std::unique_ptr<api::Management> mgmt_;
  std::unique_ptr<SqlInstanceRepository> repo_;
  int64_t alice_ = 0;
};

TEST_P(SqlInstanceRepositoryTest, RoundTripAndUniqueness) {
  auto r = Record("aaaaaaaaaaaa", 0, alice_);
  ASSERT_TRUE(repo_->Insert(r).ok());
  r.state = InstanceState::kRunning;
  r.restart_count = 2;
  ASSERT_TRUE(repo_->Update(r).ok());
  auto all = repo_->LoadAll();
  ASSERT_TRUE(all.ok()) << all.error().ToString();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].spec.name, "phone-aaaaaaaaaaaa");
  EXPECT_EQ((*all)[0].state, InstanceState::kRunning);
  EXPECT_EQ((*all)[0].restart_count, 2);
  EXPECT_EQ((*all)[0].vnc_password, "secret");

  auto same_name = Record("bbbbbbbbbbbb", 1, alice_);
  same_name.spec.name = r.spec.name;
  auto dup = repo_->Insert(same_name);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), ErrorCode::kAlreadyExists);
  auto same_slot = repo_->Insert(Record("cccccccccccc", 0, alice_));
  ASSERT_FALSE(same_slot.ok());
  EXPECT_EQ(same_slot.error().code(), ErrorCode::kAlreadyExists);
  // The failed inserts took no quota.
  EXPECT_EQ(UsedInstances(alice_), 1);

  auto ghost = repo_->Insert(Record("dddddddddddd", 5, 999999));
  EXPECT_FALSE(ghost.ok());  // no such owner

  auto missing = Record("eeeeeeeeeeee", 6, alice_);
  auto upd = repo_->Update(missing);
  ASSERT_FALSE(upd.ok());
  EXPECT_EQ(upd.error().code(), ErrorCode::kNotFound);
}

TEST_P(SqlInstanceRepositoryTest, QuotaMovesWithTheRow) {
  ASSERT_TRUE(repo_->Insert(Record("aaaaaaaaaaaa", 0, alice_)).ok());
  ASSERT_TRUE(repo_->Insert(Record("bbbbbbbbbbbb", 1, alice_)).ok());
  EXPECT_EQ(UsedInstances(alice_), 2);
  auto big = Record("cccccccccccc", 2, alice_);
  big.spec.cpus = 3;  // 2 + 3 cpus > 4
  auto over = repo_->Insert(big);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_NE(over.error().ToString().find("cpus"), std::string::npos) << over.error().ToString();
  auto all = repo_->LoadAll();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);  // the refused row is not there

  ASSERT_TRUE(repo_->Remove("aaaaaaaaaaaa").ok());
  EXPECT_EQ(UsedInstances(alice_), 1);
  ASSERT_TRUE(repo_->Remove("aaaaaaaaaaaa").ok());  // idempotent, releases nothing more
  EXPECT_EQ(UsedInstances(alice_), 1);

  // A user with instances cannot be deleted.
  EXPECT_FALSE(mgmt_->users().Delete(alice_).ok());
}

TEST_P(SqlInstanceRepositoryTest, ConcurrentInsertsNeverExceedTheQuota) {
  constexpr int kThreads = 8;
  std::atomic<int> ok{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      char id[13];
      snprintf(id, sizeof id, "%012d", i);
      auto r = repo_->Insert(Record(id, i, alice_));
      if (r.ok())
        ++ok;
      else if (r.error().code() == ErrorCode::kResourceExhausted)
        ++refused;
      else
        ++other;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 3);  // the quota: 3 instances
  EXPECT_EQ(refused.load(), kThreads - 3);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(UsedInstances(alice_), 3);
  auto all = repo_->LoadAll();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(Backends, SqlInstanceRepositoryTest,
                         ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace vmi::node
