// Database tests, run against both backends: SQLite in a temporary file and
// a real PostgreSQL server started by the test (store/testing).
#include "store/database.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store/migrations.h"
#include "store/testing/postgres_server.h"

namespace vmi::store {
namespace {

class DatabaseTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto url = testing::FreshDatabaseUrl(GetParam());
    ASSERT_TRUE(url.ok()) << url.error().ToString();
    auto db = Database::Open(*url);
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    db_ = std::move(*db);
    Migrations m;
    m.Add("test", 1, "items",
          "CREATE TABLE items (id ${ID}, name TEXT NOT NULL UNIQUE, n BIGINT NOT NULL DEFAULT 0,"
          " price DOUBLE PRECISION, note TEXT, created_at BIGINT NOT NULL DEFAULT 0);"
          "CREATE TABLE tags (item_id BIGINT NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
          " tag TEXT NOT NULL, PRIMARY KEY (item_id, tag));"
          "CREATE TABLE counter (k TEXT PRIMARY KEY, v BIGINT NOT NULL)");
    auto applied = m.Apply(*db_);
    ASSERT_TRUE(applied.ok()) << applied.error().ToString();
  }
  std::unique_ptr<Database> db_;
};

TEST_P(DatabaseTest, TypedRowsAndPositionalParameters) {
  auto id = db_->QueryOne(
      "INSERT INTO items (name, n, price, note) VALUES ($1, $2, $3, $4) RETURNING id",
      {"a'; DROP TABLE items; --", int64_t{42}, 1.5, nullptr});
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  ASSERT_TRUE(id->has_value());
  int64_t item = (*id)->Int(0);
  EXPECT_GT(item, 0);
  // Parameters may repeat and come in any order.
  auto r = db_->Query("SELECT id, name, n, price, note, n + $2 AS m FROM items WHERE n = $1 AND n < $2 + $1",
                      {int64_t{42}, int64_t{1}});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->rows.size(), 1u);
  const Row& row = r->rows[0];
  EXPECT_EQ(row.Int("id"), item);
  EXPECT_EQ(row.Text("name"), "a'; DROP TABLE items; --");
  EXPECT_EQ(row.Int("n"), 42);
  EXPECT_DOUBLE_EQ(row.Real("price"), 1.5);
  EXPECT_TRUE(row.IsNull("note"));
  EXPECT_EQ(row.Int("m"), 43);
  EXPECT_TRUE(std::holds_alternative<int64_t>(row.at(0)));
  EXPECT_TRUE(std::holds_alternative<std::string>(row.at(1)));

  auto n = db_->Exec("UPDATE items SET n = n + 1 WHERE id = $1", {item});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  auto none = db_->QueryOne("SELECT id FROM items WHERE name = $1", {"nope"});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_P(DatabaseTest, ConstraintErrorsHaveStableCodes) {
  ASSERT_TRUE(db_->Exec("INSERT INTO items (name) VALUES ($1)", {"x"}).ok());
  auto dup = db_->Exec("INSERT INTO items (name) VALUES ($1)", {"x"});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), ErrorCode::kAlreadyExists) << dup.error().ToString();
  // Foreign keys are enforced (SQLite needs them switched on).
  auto fk = db_->Exec("INSERT INTO tags (item_id, tag) VALUES ($1, $2)", {int64_t{9999}, "t"});
  ASSERT_FALSE(fk.ok());
  EXPECT_EQ(fk.error().code(), ErrorCode::kFailedPrecondition) << fk.error().ToString();
  auto bad = db_->Exec("SELEC nonsense");
  ASSERT_FALSE(bad.ok());
  auto missing = db_->Exec("INSERT INTO items (name) VALUES ($1)", {});
  ASSERT_FALSE(missing.ok());
}

TEST_P(DatabaseTest, TransactionCommitsOrRollsBack) {
  auto r = db_->TransactVoid([](Tx& tx) -> Result<void> {
    VMI_TRY(tx.Exec("INSERT INTO items (name) VALUES ($1)", {"kept"}));
    return Ok();
  });
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  r = db_->TransactVoid([](Tx& tx) -> Result<void> {
    VMI_TRY(tx.Exec("INSERT INTO items (name) VALUES ($1)", {"dropped"}));
    return Error(ErrorCode::kResourceExhausted, "quota");
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kResourceExhausted);
  auto count = db_->QueryOne("SELECT COUNT(*) FROM items");
  EXPECT_EQ((*count)->Int(0), 1);
  // A value-returning transaction.
  auto id = db_->Transact<int64_t>([](Tx& tx) -> Result<int64_t> {
    auto row = VMI_TRY(tx.QueryOne("INSERT INTO items (name) VALUES ($1) RETURNING id", {"v"}));
    return row->Int(0);
  });
  ASSERT_TRUE(id.ok());
  EXPECT_GT(*id, 0);
}

// The pattern quotas use: read, check, write in one transaction. With
// concurrent writers the limit must hold exactly.
TEST_P(DatabaseTest, ConcurrentReadCheckWriteNeverExceedsLimit) {
  constexpr int kLimit = 5;
  constexpr int kThreads = 4, kPerThread = 6;
  std::atomic<int> ok{0}, refused{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = db_->TransactVoid([&](Tx& tx) -> Result<void> {
          auto row = VMI_TRY(tx.QueryOne("SELECT COUNT(*) FROM items"));
          if (row->Int(0) >= kLimit) return Error(ErrorCode::kResourceExhausted, "limit");
          VMI_TRY(tx.Exec("INSERT INTO items (name) VALUES ($1)",
                          {"t" + std::to_string(t) + "_" + std::to_string(i)}));
          return Ok();
        });
        if (r.ok()) {
          ++ok;
        } else if (r.error().code() == ErrorCode::kResourceExhausted) {
          ++refused;
        } else {
          ++failed;
          ADD_FAILURE() << r.error().ToString();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kLimit);
  EXPECT_EQ(refused.load(), kThreads * kPerThread - kLimit);
  auto count = db_->QueryOne("SELECT COUNT(*) FROM items");
  EXPECT_EQ((*count)->Int(0), kLimit);
}

TEST_P(DatabaseTest, ConcurrentIncrementsAreNotLost) {
  ASSERT_TRUE(db_->Exec("INSERT INTO counter (k, v) VALUES ('c', 0)").ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        auto r = db_->TransactVoid([](Tx& tx) -> Result<void> {
          auto row = VMI_TRY(tx.QueryOne("SELECT v FROM counter WHERE k = 'c'"));
          VMI_TRY(tx.Exec("UPDATE counter SET v = $1 WHERE k = 'c'", {row->Int(0) + 1}));
          return Ok();
        });
        EXPECT_TRUE(r.ok()) << r.error().ToString();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ((*db_->QueryOne("SELECT v FROM counter"))->Int(0), 40);
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST(DatabaseUrlTest, ChoosesBackendAndRedactsPasswords) {
  auto url = testing::FreshDatabaseUrl("sqlite");
  ASSERT_TRUE(url.ok());
  auto db = Database::Open(*url);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ((*db)->backend(), Backend::kSqlite);
  // A bare path is SQLite too; the WAL journal is on.
  std::string path = url->substr(strlen("sqlite://"));
  auto db2 = Database::Open(path);
  ASSERT_TRUE(db2.ok());
  auto mode = (*db2)->QueryOne("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  EXPECT_EQ((*mode)->Text(0), "wal");
  auto fk = (*db2)->QueryOne("PRAGMA foreign_keys");
  EXPECT_EQ((*fk)->Int(0), 1);

  auto bad = Database::Open("postgresql://vmi:secret@127.0.0.1:1/vmi?connect_timeout=2");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(bad.error().ToString().find("secret"), std::string::npos) << bad.error().ToString();
}

}  // namespace
}  // namespace vmi::store
