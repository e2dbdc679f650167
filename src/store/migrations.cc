#include "store/migrations.h"

#include <algorithm>
#include <cstdlib>

#include "base/log.h"

namespace vmi::store {

void Migrations::Add(std::string component, int64_t version, std::string name, std::string sql) {
  int64_t last = 0;
  for (const Migration& m : migrations_) {
    if (m.component == component) last = m.version;
  }
  if (version != last + 1) {
    VMI_LOG(ERROR) << "migration " << component << "/" << version << " (" << name
                   << "): expected version " << last + 1;
    std::abort();
  }
  migrations_.push_back({std::move(component), version, std::move(name), std::move(sql)});
}

namespace {
constexpr const char* kSchemaTable =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " component TEXT NOT NULL,"
    " version BIGINT NOT NULL,"
    " name TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL,"
    " PRIMARY KEY (component, version))";
}  // namespace

Result<int64_t> SchemaVersion(Database& db, const std::string& component) {
  auto row = VMI_TRY(db.QueryOne(
      "SELECT COALESCE(MAX(version), 0) AS v FROM schema_version WHERE component = $1",
      {component}));
  return row ? row->Int(0) : 0;
}

Result<void> Migrations::Apply(Database& db) const {
  // CREATE TABLE IF NOT EXISTS can still race on PostgreSQL (two sessions
  // both creating): retry once after a unique violation.
  auto created = db.Exec(kSchemaTable);
  if (!created.ok()) {
    if (created.error().code() != ErrorCode::kAlreadyExists) {
      return std::move(created).error().Context("create schema_version");
    }
  }
  std::vector<std::string> components;
  for (const Migration& m : migrations_) {
    if (std::find(components.begin(), components.end(), m.component) == components.end()) {
      components.push_back(m.component);
    }
  }
  for (const std::string& component : components) {
    int64_t newest = 0;
    for (const Migration& m : migrations_) {
      if (m.component == component) newest = m.version;
    }
    int64_t current = VMI_TRY_CTX(SchemaVersion(db, component), "schema version of " + component);
    if (current > newest) {
      return Error(ErrorCode::kFailedPrecondition,
                   "database schema of " + component + " is version " + std::to_string(current) +
                       ", newer than this vmi knows (" + std::to_string(newest) + ")");
    }
    for (const Migration& m : migrations_) {
      if (m.component != component || m.version <= current) continue;
      std::string sql = db.ExpandSchema(m.sql);
      Result<void> r = db.TransactVoid([&](Tx& tx) -> Result<void> {
        // Re-check inside the transaction: another process may have won.
        auto row = VMI_TRY(tx.QueryOne(
            "SELECT 1 FROM schema_version WHERE component = $1 AND version = $2",
            {m.component, m.version}));
        if (row) return Ok();
        VMI_CHECK_OK(tx.ExecScript(sql), "apply");
        VMI_TRY(tx.Exec(db.ExpandSchema("INSERT INTO schema_version (component, version, name, "
                                        "applied_at) VALUES ($1, $2, $3, ${NOW})"),
                        {m.component, m.version, m.name}));
        return Ok();
      });
      if (!r.ok() && r.error().code() == ErrorCode::kAlreadyExists) {
        continue;  // a concurrent Apply recorded it first
      }
      if (!r.ok()) {
        return std::move(r).error().Context("migration " + m.component + "/" +
                                            std::to_string(m.version) + " (" + m.name + ")");
      }
      VMI_LOG(INFO) << "applied migration " << m.component << "/" << m.version << " " << m.name
                    << " on " << BackendName(db.backend());
    }
  }
  return Ok();
}

}  // namespace vmi::store
