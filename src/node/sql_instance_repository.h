// SqlInstanceRepository: instance records in the node database.
//
// Schema (versioned migrations in schema_migrations):
//   1: instances(id TEXT PRIMARY KEY, name TEXT UNIQUE NOT NULL,
//                slot INTEGER UNIQUE NOT NULL, owner_id INTEGER NOT NULL,
//                state TEXT NOT NULL, record TEXT NOT NULL)
// `record` is the full JSON of InstanceRecord; the other columns exist for
// constraints (unique name and slot) and queries.
#pragma once

#include <memory>
#include <mutex>

#include "node/instance_repository.h"

struct sqlite3;

namespace vmi::node {

// The node's database handle. SQLite in WAL mode; thread-safe (serialised).
class NodeDatabase {
 public:
  ~NodeDatabase();
  sqlite3* handle() { return db_; }
  std::mutex& mutex() { return mu_; }
  // Executes SQL without results (DDL, pragmas).
  Result<void> Exec(const std::string& sql);
  // Applies migrations [1..n] of `component` not yet applied, each in a
  // transaction.
  Result<void> Migrate(const std::string& component, const std::vector<std::string>& steps);

 private:
  friend Result<std::unique_ptr<NodeDatabase>> OpenNodeDatabase(const std::string& url);
  sqlite3* db_ = nullptr;
  std::mutex mu_;
};

// "sqlite:///abs/path.db" or a plain path.
Result<std::unique_ptr<NodeDatabase>> OpenNodeDatabase(const std::string& url);

class SqlInstanceRepository : public InstanceRepository {
 public:
  static Result<std::unique_ptr<SqlInstanceRepository>> Create(NodeDatabase* db);
  Result<std::vector<InstanceRecord>> LoadAll() override;
  Result<void> Insert(const InstanceRecord& r) override;
  Result<void> Update(const InstanceRecord& r) override;
  Result<void> Remove(const std::string& id) override;

 private:
  explicit SqlInstanceRepository(NodeDatabase* db) : db_(db) {}
  NodeDatabase* db_;
};

}  // namespace vmi::node
