#include "store/database.h"

#include <unistd.h>

#include <random>
#include <thread>

#include "base/log.h"
#include "store/postgres_conn.h"
#include "store/sqlite_conn.h"

namespace vmi::store {

const char* BackendName(Backend b) { return b == Backend::kSqlite ? "sqlite" : "postgresql"; }

Result<QueryResult> Tx::Query(std::string_view sql, const Params& params) {
  return conn_->Query(sql, params);
}

Result<int64_t> Tx::Exec(std::string_view sql, const Params& params) {
  auto r = VMI_TRY(conn_->Query(sql, params));
  return r.affected;
}

Result<std::optional<Row>> Tx::QueryOne(std::string_view sql, const Params& params) {
  auto r = VMI_TRY(conn_->Query(sql, params));
  if (r.rows.empty()) return std::optional<Row>();
  return std::optional<Row>(std::move(r.rows.front()));
}

Result<void> Tx::ExecScript(std::string_view sql) { return conn_->ExecScript(sql); }

class Database::Lease {
 public:
  Lease(Database* db, std::unique_ptr<Conn> conn) : db_(db), conn_(std::move(conn)) {}
  Lease(Lease&& o) noexcept : db_(o.db_), conn_(std::move(o.conn_)) {}
  ~Lease() {
    if (conn_) db_->Release(std::move(conn_));
  }
  Conn* operator->() { return conn_.get(); }
  Conn* get() { return conn_.get(); }

 private:
  Database* db_;
  std::unique_ptr<Conn> conn_;
};

Database::Database(Backend backend, std::string url, std::string display_url, Options options)
    : backend_(backend),
      url_(std::move(url)),
      display_url_(std::move(display_url)),
      options_(options) {}

Database::~Database() = default;

Result<std::unique_ptr<Database>> Database::Open(const std::string& url) {
  return Open(url, Options{});
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& url, Options options) {
  if (options.max_connections == 0) options.max_connections = 1;
  std::unique_ptr<Database> db;
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    db.reset(new Database(Backend::kPostgres, url, RedactPostgresUrl(url), options));
  } else {
    std::string path = url;
    if (path.rfind("sqlite://", 0) == 0) path = path.substr(9);  // sqlite:///abs -> /abs
    if (path.empty()) return Error(ErrorCode::kInvalidArgument, "empty database path");
    db.reset(new Database(Backend::kSqlite, path, "sqlite://" + path, options));
  }
  // Connect once now so a wrong URL fails at start-up, not at first use.
  auto conn = VMI_TRY_CTX(db->Connect(), "open database " + db->display_url_);
  {
    std::lock_guard<std::mutex> lock(db->mu_);
    db->open_ = 1;
  }
  db->Release(std::move(conn));
  return db;
}

Result<std::unique_ptr<Conn>> Database::Connect() {
  if (backend_ == Backend::kSqlite) return OpenSqlite(url_, options_.busy_timeout);
  return OpenPostgres(url_);
}

Result<Database::Lease> Database::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(c));
    }
    if (open_ < options_.max_connections) {
      ++open_;
      lock.unlock();
      auto c = Connect();
      if (!c.ok()) {
        std::lock_guard<std::mutex> relock(mu_);
        --open_;
        cv_.notify_one();
        return std::move(c).error();
      }
      return Lease(this, std::move(*c));
    }
    cv_.wait(lock);
  }
}

void Database::Release(std::unique_ptr<Conn> conn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (conn->healthy()) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
  cv_.notify_one();
}

Result<QueryResult> Database::Query(std::string_view sql, const Params& params) {
  for (int attempt = 1;; ++attempt) {
    auto lease = VMI_TRY(Acquire());
    auto r = lease->Query(sql, params);
    if (r.ok() || r.error().code() != ErrorCode::kAborted || attempt >= options_.max_attempts) {
      return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt));
  }
}

Result<int64_t> Database::Exec(std::string_view sql, const Params& params) {
  auto r = VMI_TRY(Query(sql, params));
  return r.affected;
}

Result<std::optional<Row>> Database::QueryOne(std::string_view sql, const Params& params) {
  auto r = VMI_TRY(Query(sql, params));
  if (r.rows.empty()) return std::optional<Row>();
  return std::optional<Row>(std::move(r.rows.front()));
}

Result<void> Database::RunTransaction(const std::function<Result<void>(Tx&)>& fn) {
  thread_local std::minstd_rand rng(static_cast<unsigned>(gettid()));
  for (int attempt = 1;; ++attempt) {
    auto lease = VMI_TRY(Acquire());
    Tx tx(lease.get(), backend_);
    Result<void> r = lease->Begin();
    if (r.ok()) {
      r = fn(tx);
      if (r.ok()) {
        r = lease->Commit();
        if (!r.ok()) (void)lease->Rollback();
      } else {
        (void)lease->Rollback();
      }
    }
    if (r.ok() || r.error().code() != ErrorCode::kAborted || attempt >= options_.max_attempts) {
      return r;
    }
    // Lost a race: back off a little (randomized so racers spread out).
    int ms = static_cast<int>(rng() % (5u << std::min(attempt, 6)));
    std::this_thread::sleep_for(std::chrono::milliseconds(1 + ms));
  }
}

std::string Database::ExpandSchema(std::string_view sql) const {
  std::string out(sql);
  auto replace_all = [&](std::string_view from, std::string_view to) {
    for (size_t pos = 0; (pos = out.find(from, pos)) != std::string::npos; pos += to.size()) {
      out.replace(pos, from.size(), to);
    }
  };
  if (backend_ == Backend::kSqlite) {
    replace_all("${ID}", "INTEGER PRIMARY KEY AUTOINCREMENT");
    replace_all("${NOW}", "CAST(strftime('%s','now') AS INTEGER)");
  } else {
    replace_all("${ID}", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
    replace_all("${NOW}", "CAST(EXTRACT(EPOCH FROM now()) AS BIGINT)");
  }
  return out;
}

}  // namespace vmi::store
