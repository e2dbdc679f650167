// SqlInstanceRepository: instance records in the store's database (SQLite or
// PostgreSQL, see store/database.h), beside the management tables.
//
// Schema (store::Migrations component "node"):
//   1: instances(id TEXT PRIMARY KEY, name TEXT UNIQUE NOT NULL,
//                slot BIGINT UNIQUE NOT NULL,
//                owner_id BIGINT NOT NULL REFERENCES users(id),
//                state TEXT NOT NULL, record TEXT NOT NULL)
// `record` is the full JSON of InstanceRecord; the other columns exist for
// constraints (unique name and slot, an owner that exists: a user with
// instances cannot be deleted) and queries. The users table comes from the
// "api" component, whose migrations must be added first.
//
// Admission: hooks run inside the transaction that inserts or deletes a row,
// so an owner's quota moves together with the instance row and concurrent
// creations cannot exceed it (api/auth/quotas.h). A failing insert hook
// rolls the insert back and its error is returned.
//
// Threads: thread-safe. Hooks are set once, before use.
#pragma once

#include <functional>
#include <memory>

#include "node/instance_repository.h"
#include "store/database.h"
#include "store/migrations.h"

namespace vmi::node {

void AddInstanceMigrations(store::Migrations& m);

class SqlInstanceRepository : public InstanceRepository {
 public:
  using TxHook = std::function<Result<void>(store::Tx&, const InstanceRecord&)>;

  // `db` is borrowed and must outlive the repository; its schema must be
  // migrated (AddInstanceMigrations).
  explicit SqlInstanceRepository(store::Database* db) : db_(db) {}
  void SetAdmission(TxHook on_insert, TxHook on_remove);

  Result<std::vector<InstanceRecord>> LoadAll() override;
  Result<void> Insert(const InstanceRecord& r) override;
  Result<void> Update(const InstanceRecord& r) override;
  Result<void> Remove(const std::string& id) override;

 private:
  store::Database* db_;
  TxHook on_insert_, on_remove_;
};

}  // namespace vmi::node
