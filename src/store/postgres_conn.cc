#include "store/postgres_conn.h"

#include <libpq-fe.h>

#include <cstring>
#include <regex>

namespace vmi::store {

namespace {

// Type OIDs from pg_type.h (stable across PostgreSQL versions).
constexpr Oid kBoolOid = 16, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23, kOidOid = 26,
              kFloat4Oid = 700, kFloat8Oid = 701, kNumericOid = 1700;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

ErrorCode CodeForSqlState(const char* state) {
  if (!state) return ErrorCode::kUnavailable;  // no result at all: connection trouble
  std::string_view s(state);
  if (s == "23505") return ErrorCode::kAlreadyExists;
  if (s.rfind("23", 0) == 0) return ErrorCode::kFailedPrecondition;  // FK, check, not null
  if (s == "40001" || s == "40P01") return ErrorCode::kAborted;       // serialization, deadlock
  if (s == "55P03") return ErrorCode::kAborted;                        // lock not available
  if (s.rfind("08", 0) == 0 || s.rfind("57P", 0) == 0) return ErrorCode::kUnavailable;
  if (s.rfind("53", 0) == 0) return ErrorCode::kResourceExhausted;
  if (s == "22P02" || s.rfind("22", 0) == 0) return ErrorCode::kInvalidArgument;  // bad value
  return ErrorCode::kInternal;
}

class PgConn : public Conn {
 public:
  explicit PgConn(PGconn* c) : c_(c) {}
  ~PgConn() override { PQfinish(c_); }

  Result<QueryResult> Query(std::string_view sql, const Params& params) override {
    std::string q(sql);
    std::vector<Oid> types(params.size(), 0);
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      const Value& v = params[i];
      if (auto p = std::get_if<int64_t>(&v)) {
        types[i] = kInt8Oid;
        texts[i] = std::to_string(*p);
      } else if (auto p = std::get_if<double>(&v)) {
        types[i] = kFloat8Oid;
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", *p);
        texts[i] = buf;
      } else if (auto p = std::get_if<std::string>(&v)) {
        if (p->find('\0') != std::string::npos) {
          return Error(ErrorCode::kInvalidArgument, "text parameter contains NUL");
        }
        texts[i] = *p;
      } else {
        continue;  // NULL
      }
      values[i] = texts[i].c_str();
    }
    PgResult res(PQexecParams(c_, q.c_str(), static_cast<int>(params.size()), types.data(),
                              values.data(), nullptr, nullptr, 0));
    if (auto ok = Check(res.get(), "query"); !ok.ok()) return std::move(ok).error();
    QueryResult out;
    int ncols = PQnfields(res.get());
    auto cols = std::make_shared<std::vector<std::string>>();
    std::vector<Oid> col_types;
    for (int c = 0; c < ncols; ++c) {
      cols->push_back(PQfname(res.get(), c));
      col_types.push_back(PQftype(res.get(), c));
    }
    out.columns = cols;
    int nrows = PQntuples(res.get());
    out.rows.reserve(nrows);
    for (int r = 0; r < nrows; ++r) {
      std::vector<Value> row;
      row.reserve(ncols);
      for (int c = 0; c < ncols; ++c) {
        if (PQgetisnull(res.get(), r, c)) {
          row.emplace_back(nullptr);
          continue;
        }
        const char* text = PQgetvalue(res.get(), r, c);
        switch (col_types[c]) {
          case kInt2Oid:
          case kInt4Oid:
          case kInt8Oid:
          case kOidOid: row.emplace_back(static_cast<int64_t>(strtoll(text, nullptr, 10))); break;
          case kBoolOid: row.emplace_back(static_cast<int64_t>(text[0] == 't')); break;
          case kFloat4Oid:
          case kFloat8Oid:
          case kNumericOid: row.emplace_back(strtod(text, nullptr)); break;
          default: row.emplace_back(std::string(text, PQgetlength(res.get(), r, c)));
        }
      }
      out.rows.emplace_back(cols, std::move(row));
    }
    const char* affected = PQcmdTuples(res.get());
    out.affected = affected && *affected ? strtoll(affected, nullptr, 10) : 0;
    return out;
  }

  Result<void> ExecScript(std::string_view sql) override {
    std::string q(sql);
    PgResult res(PQexec(c_, q.c_str()));
    return Check(res.get(), "script");
  }
  Result<void> Begin() override { return Simple("BEGIN ISOLATION LEVEL SERIALIZABLE"); }
  Result<void> Commit() override { return Simple("COMMIT"); }
  Result<void> Rollback() override {
    if (PQtransactionStatus(c_) == PQTRANS_IDLE) return Ok();
    return Simple("ROLLBACK");
  }
  bool healthy() const override {
    return PQstatus(c_) == CONNECTION_OK && PQtransactionStatus(c_) == PQTRANS_IDLE;
  }

 private:
  Result<void> Simple(const char* sql) {
    PgResult res(PQexec(c_, sql));
    return Check(res.get(), sql);
  }

  Result<void> Check(PGresult* res, std::string_view what) {
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) return Ok();
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    std::string msg = res ? PQresultErrorMessage(res) : PQerrorMessage(c_);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return Error(CodeForSqlState(state), std::string(what) + ": " + msg);
  }

  PGconn* c_;
};

void IgnoreNotice(void*, const char*) {}

}  // namespace

std::string RedactPostgresUrl(const std::string& url) {
  static const std::regex userinfo(R"(^(postgres(?:ql)?://[^:/@]*):[^@]*@)");
  static const std::regex param(R"(([?&]password=)[^&]*)");
  std::string out = std::regex_replace(url, userinfo, "$1:***@");
  return std::regex_replace(out, param, "$1***");
}

Result<std::unique_ptr<Conn>> OpenPostgres(const std::string& url) {
  PGconn* c = PQconnectdb(url.c_str());
  if (!c) return Error(ErrorCode::kResourceExhausted, "libpq: out of memory");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    PQfinish(c);
    return Error(ErrorCode::kUnavailable, "connect to " + RedactPostgresUrl(url) + ": " + msg);
  }
  PQsetNoticeProcessor(c, IgnoreNotice, nullptr);
  auto conn = std::make_unique<PgConn>(c);
  VMI_CHECK_OK(conn->ExecScript("SET client_min_messages TO warning; SET TIME ZONE 'UTC'"),
               "configure session");
  return std::unique_ptr<Conn>(std::move(conn));
}

}  // namespace vmi::store
