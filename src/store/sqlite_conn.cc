#include "store/sqlite_conn.h"

#include <sqlite3.h>

#include "base/file.h"
#include "base/log.h"

namespace vmi::store {

namespace {

Error SqliteError(sqlite3* db, int rc, std::string_view what) {
  int ext = db ? sqlite3_extended_errcode(db) : rc;
  std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  ErrorCode code = ErrorCode::kInternal;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: code = ErrorCode::kAborted; break;
    case SQLITE_CONSTRAINT:
      code = (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
                 ? ErrorCode::kAlreadyExists
                 : ErrorCode::kFailedPrecondition;
      break;
    case SQLITE_FULL: code = ErrorCode::kResourceExhausted; break;
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY: code = ErrorCode::kUnavailable; break;
    default: break;
  }
  return Error(code, std::move(msg));
}

struct StmtDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

class SqliteConn : public Conn {
 public:
  explicit SqliteConn(sqlite3* db) : db_(db) {}
  ~SqliteConn() override { sqlite3_close_v2(db_); }

  Result<QueryResult> Query(std::string_view sql, const Params& params) override {
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &raw, &tail);
    Stmt stmt(raw);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, "prepare");
    if (!stmt) return Error(ErrorCode::kInvalidArgument, "empty SQL statement");
    if (tail && std::string_view(tail).find_first_not_of(" \t\r\n;") != std::string_view::npos) {
      return Error(ErrorCode::kInvalidArgument, "one statement per Query; use ExecScript");
    }
    int nparams = sqlite3_bind_parameter_count(stmt.get());
    for (int i = 1; i <= nparams; ++i) {
      const char* name = sqlite3_bind_parameter_name(stmt.get(), i);
      if (!name || name[0] != '$') {
        return Error(ErrorCode::kInvalidArgument, "use $1, $2, ... for parameters");
      }
      long n = strtol(name + 1, nullptr, 10);
      if (n < 1 || static_cast<size_t>(n) > params.size()) {
        return Error(ErrorCode::kInvalidArgument,
                     std::string("parameter ") + name + " has no value");
      }
      const Value& v = params[n - 1];
      if (auto p = std::get_if<int64_t>(&v)) {
        rc = sqlite3_bind_int64(stmt.get(), i, *p);
      } else if (auto p = std::get_if<double>(&v)) {
        rc = sqlite3_bind_double(stmt.get(), i, *p);
      } else if (auto p = std::get_if<std::string>(&v)) {
        rc = sqlite3_bind_text(stmt.get(), i, p->data(), static_cast<int>(p->size()),
                               SQLITE_TRANSIENT);
      } else {
        rc = sqlite3_bind_null(stmt.get(), i);
      }
      if (rc != SQLITE_OK) return SqliteError(db_, rc, "bind");
    }
    QueryResult out;
    int ncols = sqlite3_column_count(stmt.get());
    auto cols = std::make_shared<std::vector<std::string>>();
    for (int c = 0; c < ncols; ++c) cols->push_back(sqlite3_column_name(stmt.get(), c));
    out.columns = cols;
    for (;;) {
      rc = sqlite3_step(stmt.get());
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return SqliteError(db_, rc, "step");
      std::vector<Value> values;
      values.reserve(ncols);
      for (int c = 0; c < ncols; ++c) {
        switch (sqlite3_column_type(stmt.get(), c)) {
          case SQLITE_INTEGER: values.emplace_back(static_cast<int64_t>(sqlite3_column_int64(stmt.get(), c))); break;
          case SQLITE_FLOAT: values.emplace_back(sqlite3_column_double(stmt.get(), c)); break;
          case SQLITE_NULL: values.emplace_back(nullptr); break;
          default: {
            const void* data = sqlite3_column_blob(stmt.get(), c);
            int n = sqlite3_column_bytes(stmt.get(), c);
            values.emplace_back(std::string(static_cast<const char*>(data ? data : ""), n));
          }
        }
      }
      out.rows.emplace_back(cols, std::move(values));
    }
    out.affected = sqlite3_stmt_readonly(stmt.get()) ? 0 : sqlite3_changes(db_);
    return out;
  }

  Result<void> ExecScript(std::string_view sql) override {
    std::string s(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      Error e = SqliteError(db_, rc, "script");
      return Error(e.code(), "script: " + msg);
    }
    return Ok();
  }

  Result<void> Begin() override { return Simple("BEGIN IMMEDIATE"); }
  Result<void> Commit() override { return Simple("COMMIT"); }
  Result<void> Rollback() override {
    if (sqlite3_get_autocommit(db_)) return Ok();  // already rolled back by SQLite
    return Simple("ROLLBACK");
  }
  bool healthy() const override { return true; }

 private:
  Result<void> Simple(const char* sql) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, sql);
    return Ok();
  }
  sqlite3* db_;
};

}  // namespace

Result<std::unique_ptr<Conn>> OpenSqlite(const std::string& path,
                                         std::chrono::milliseconds busy_timeout) {
  auto slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    VMI_CHECK_OK(MakeDirs(path.substr(0, slash)), "database directory");
  }
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e = SqliteError(db, rc, "open " + path);
    sqlite3_close_v2(db);
    return e;
  }
  auto conn = std::make_unique<SqliteConn>(db);
  sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
  VMI_CHECK_OK(conn->ExecScript("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"
                                "PRAGMA synchronous=NORMAL;"),
               "configure " + path);
  return std::unique_ptr<Conn>(std::move(conn));
}

}  // namespace vmi::store
