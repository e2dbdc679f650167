// PostgresServer: a private PostgreSQL server for tests, started from the
// Debian `postgresql` package's binaries (make test installs it).
//
// initdb runs in a fresh temporary directory as the `postgres` OS user (the
// server refuses to run as root); the server listens only on a Unix socket in
// that directory (no TCP), with fsync off. The destructor stops it
// (pg_ctl stop -m fast) and removes the directory.
//
// Threads: CreateDatabase is thread-safe; the rest is for the test's main
// thread.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "base/result.h"
#include "store/database.h"
#include "store/migrations.h"

namespace vmi::store::testing {

class PostgresServer {
 public:
  static Result<std::unique_ptr<PostgresServer>> Start();
  ~PostgresServer();

  // Creates an empty database and returns its postgresql:// URL.
  Result<std::string> CreateDatabase(const std::string& name);
  const std::string& dir() const { return dir_; }

 private:
  PostgresServer() = default;
  std::string dir_;
  std::string bin_;
  std::string run_as_;  // OS user the server runs as; empty: the current user
  bool running_ = false;
  std::mutex mu_;
};

// One server per test process, started at first use and stopped at exit.
// Returns null (and logs why) if it cannot start.
PostgresServer* SharedPostgres();

// A fresh database URL for one test: "sqlite" gives a file in a new temporary
// directory, "postgresql" a new database on SharedPostgres().
Result<std::string> FreshDatabaseUrl(const std::string& backend);

// A fresh database of that backend, opened, with `migrations` applied.
Result<std::unique_ptr<Database>> OpenFreshDatabase(const std::string& backend,
                                                    const Migrations& migrations);

}  // namespace vmi::store::testing
