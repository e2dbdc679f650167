// Versioned schema migrations, registered per component.
//
// Each subsystem owns its tables and adds its migrations under its own
// component name; versions count up from 1 within a component:
//
//   Migrations m;
//   m.Add("auth", 1, "users", "CREATE TABLE users (id ${ID}, name TEXT ...)");
//   m.Add("runtime", 1, "instances", "CREATE TABLE instances (...)");
//   VMI_CHECK_OK(m.Apply(*db), "migrate");
//
// Apply() creates `schema_version(component, version, name, applied_at)`,
// then applies, component by component in the order they were first added,
// every migration newer than the recorded version, each in its own
// transaction together with its schema_version row. A component whose
// recorded version is newer than any known migration fails (the database is
// from a newer vmi). SQL uses the common subset and the placeholders of
// database.h (${ID}, ${NOW}). Run Apply from one process at a time (the
// daemon does at start-up); a second process that finds a migration already
// recorded skips it.
//
// Threads: build on one thread, then Apply from any.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "store/database.h"

namespace vmi::store {

struct Migration {
  std::string component;
  int64_t version = 0;
  std::string name;
  std::string sql;  // one or more statements
};

class Migrations {
 public:
  // Versions of a component must be added in increasing order from 1;
  // anything else is a programming error (logged, aborts).
  void Add(std::string component, int64_t version, std::string name, std::string sql);
  Result<void> Apply(Database& db) const;
  const std::vector<Migration>& all() const { return migrations_; }

 private:
  std::vector<Migration> migrations_;
};

// The recorded version of a component (0 if none).
Result<int64_t> SchemaVersion(Database& db, const std::string& component);

}  // namespace vmi::store
