#include "node/sql_instance_repository.h"

#include <sqlite3.h>

namespace vmi::node {
namespace {

Error SqlError(sqlite3* db, const std::string& what) {
  int code = sqlite3_extended_errcode(db);
  ErrorCode c = ErrorCode::kInternal;
  if ((code & 0xff) == SQLITE_CONSTRAINT) c = ErrorCode::kAlreadyExists;
  if ((code & 0xff) == SQLITE_FULL) c = ErrorCode::kResourceExhausted;
  if ((code & 0xff) == SQLITE_BUSY) c = ErrorCode::kAborted;
  return Error(c, what + ": " + sqlite3_errmsg(db));
}

// A prepared statement, finalized on every path.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) { rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  bool ok() const { return rc_ == SQLITE_OK; }
  Stmt& Bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  int Step() { return sqlite3_step(s_); }
  sqlite3_stmt* get() { return s_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
  int rc_;
};

}  // namespace

NodeDatabase::~NodeDatabase() { sqlite3_close_v2(db_); }

Result<std::unique_ptr<NodeDatabase>> OpenNodeDatabase(const std::string& url) {
  std::string path = url;
  if (path.rfind("sqlite://", 0) == 0) path = path.substr(9);
  if (path.rfind("postgres", 0) == 0)
    return Error(ErrorCode::kUnimplemented, "PostgreSQL URLs are not supported by this node yet");
  std::unique_ptr<NodeDatabase> db(new NodeDatabase());
  if (sqlite3_open_v2(path.c_str(), &db->db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK)
    return Error(ErrorCode::kUnavailable, "open " + path + ": " + sqlite3_errmsg(db->db_));
  sqlite3_busy_timeout(db->db_, 5000);
  VMI_CHECK_OK(db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                        "PRAGMA foreign_keys=ON;"),
               "configure " + path);
  VMI_CHECK_OK(db->Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                        "component TEXT NOT NULL, version INTEGER NOT NULL, "
                        "PRIMARY KEY (component, version))"),
               "migrations table");
  return db;
}

Result<void> NodeDatabase::Exec(const std::string& sql) {
  std::lock_guard lock(mu_);
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "?";
    sqlite3_free(err);
    return Error(ErrorCode::kInternal, "sql: " + msg);
  }
  return Ok();
}

Result<void> NodeDatabase::Migrate(const std::string& component,
                                   const std::vector<std::string>& steps) {
  for (size_t v = 1; v <= steps.size(); ++v) {
    std::lock_guard lock(mu_);
    Stmt q(db_, "SELECT 1 FROM schema_migrations WHERE component = ?1 AND version = ?2");
    q.Bind(1, component).Bind(2, static_cast<int64_t>(v));
    if (q.Step() == SQLITE_ROW) continue;
    std::string sql = "BEGIN IMMEDIATE; " + steps[v - 1] +
                      "; INSERT INTO schema_migrations VALUES ('" + component + "', " +
                      std::to_string(v) + "); COMMIT;";
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return Error(ErrorCode::kInternal,
                   "migration " + component + "/" + std::to_string(v) + ": " + msg);
    }
  }
  return Ok();
}

Result<std::unique_ptr<SqlInstanceRepository>> SqlInstanceRepository::Create(NodeDatabase* db) {
  VMI_CHECK_OK(db->Migrate("instances",
                           {"CREATE TABLE instances (id TEXT PRIMARY KEY, name TEXT UNIQUE NOT "
                            "NULL, slot INTEGER UNIQUE NOT NULL, owner_id INTEGER NOT NULL, "
                            "state TEXT NOT NULL, record TEXT NOT NULL)"}),
               "instance table");
  return std::unique_ptr<SqlInstanceRepository>(new SqlInstanceRepository(db));
}

Result<std::vector<InstanceRecord>> SqlInstanceRepository::LoadAll() {
  std::lock_guard lock(db_->mutex());
  Stmt q(db_->handle(), "SELECT record FROM instances ORDER BY id");
  if (!q.ok()) return SqlError(db_->handle(), "load instances");
  std::vector<InstanceRecord> out;
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    const char* text = reinterpret_cast<const char*>(sqlite3_column_text(q.get(), 0));
    auto j = nlohmann::json::parse(text ? text : "", nullptr, false);
    if (j.is_discarded()) return Error(ErrorCode::kInternal, "corrupt instance row");
    out.push_back(VMI_TRY(RecordFromJson(j)));
  }
  if (rc != SQLITE_DONE) return SqlError(db_->handle(), "load instances");
  return out;
}

Result<void> SqlInstanceRepository::Insert(const InstanceRecord& r) {
  std::lock_guard lock(db_->mutex());
  Stmt q(db_->handle(),
         "INSERT INTO instances (id, name, slot, owner_id, state, record) VALUES (?1, ?2, ?3, ?4, "
         "?5, ?6)");
  q.Bind(1, r.spec.id).Bind(2, r.spec.name).Bind(3, static_cast<int64_t>(r.slot.index));
  q.Bind(4, r.owner_id).Bind(5, std::string(InstanceStateName(r.state))).Bind(6, ToJson(r).dump());
  if (q.Step() != SQLITE_DONE) return SqlError(db_->handle(), "insert instance " + r.spec.name);
  return Ok();
}

Result<void> SqlInstanceRepository::Update(const InstanceRecord& r) {
  std::lock_guard lock(db_->mutex());
  Stmt q(db_->handle(), "UPDATE instances SET state = ?2, record = ?3 WHERE id = ?1");
  q.Bind(1, r.spec.id).Bind(2, std::string(InstanceStateName(r.state))).Bind(3, ToJson(r).dump());
  if (q.Step() != SQLITE_DONE) return SqlError(db_->handle(), "update instance " + r.spec.name);
  return Ok();
}

Result<void> SqlInstanceRepository::Remove(const std::string& id) {
  std::lock_guard lock(db_->mutex());
  Stmt q(db_->handle(), "DELETE FROM instances WHERE id = ?1");
  q.Bind(1, id);
  if (q.Step() != SQLITE_DONE) return SqlError(db_->handle(), "delete instance " + id);
  return Ok();
}

}  // namespace vmi::node
