#include "api/auth/tokens.h"

#include "base/clock.h"
#include "api/auth/schema.h"
#include "api/auth/secrets.h"
#include "api/json_reader.h"

namespace vmi::api {

namespace {
constexpr const char* kColumns =
    "id, user_id, name, prefix, created_at, expires_at, last_used_at, revoked_at";

std::optional<int64_t> OptInt(const store::Row& r, const char* c) {
  if (r.IsNull(c)) return std::nullopt;
  return r.Int(c);
}

TokenInfo FromRow(const store::Row& r) {
  TokenInfo t;
  t.id = r.Int("id");
  t.user_id = r.Int("user_id");
  t.name = r.Text("name");
  t.prefix = r.Text("prefix");
  t.created_at = r.Int("created_at");
  t.expires_at = OptInt(r, "expires_at");
  t.last_used_at = OptInt(r, "last_used_at");
  t.revoked_at = OptInt(r, "revoked_at");
  return t;
}

Json OptJson(const std::optional<int64_t>& v) { return v ? Json(*v) : Json(nullptr); }
}  // namespace

Json TokenInfo::ToJson() const {
  return {{"id", id},
          {"user_id", user_id},
          {"name", name},
          {"prefix", prefix},
          {"created_at", created_at},
          {"expires_at", OptJson(expires_at)},
          {"last_used_at", OptJson(last_used_at)},
          {"revoked_at", OptJson(revoked_at)}};
}

Result<Tokens::Created> Tokens::Create(int64_t user_id, const std::string& name,
                                       int64_t ttl_seconds) {
  VMI_CHECK_OK(ValidateName(name, "token name"), "create token");
  Created c;
  c.token = "vmi_" + RandomToken(32);
  int64_t now = WallSeconds();
  store::Params params;
  params.emplace_back(user_id);
  params.emplace_back(name);
  params.emplace_back(TokenHash(c.token));
  params.emplace_back(c.token.substr(0, 8));
  params.emplace_back(now);
  if (ttl_seconds > 0) {
    params.emplace_back(now + ttl_seconds);
  } else {
    params.emplace_back(nullptr);
  }
  auto row = VMI_TRY_CTX(
      db_->QueryOne(std::string("INSERT INTO api_tokens (user_id, name, token_hash, prefix, "
                                "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) "
                                "RETURNING ") + kColumns,
                    params),
      "create token");
  c.info = FromRow(*row);
  return c;
}

Result<std::vector<TokenInfo>> Tokens::List(int64_t user_id, bool all) {
  auto r = all ? VMI_TRY(db_->Query(std::string("SELECT ") + kColumns + " FROM api_tokens ORDER BY id"))
               : VMI_TRY(db_->Query(std::string("SELECT ") + kColumns +
                                        " FROM api_tokens WHERE user_id = $1 ORDER BY id",
                                    {user_id}));
  std::vector<TokenInfo> out;
  for (const auto& row : r.rows) out.push_back(FromRow(row));
  return out;
}

Result<TokenInfo> Tokens::Get(int64_t id) {
  auto row = VMI_TRY(db_->QueryOne(std::string("SELECT ") + kColumns + " FROM api_tokens WHERE id = $1", {id}));
  if (!row) return Error(ErrorCode::kNotFound, "no token " + std::to_string(id));
  return FromRow(*row);
}

Result<void> Tokens::Revoke(int64_t id) {
  auto n = VMI_TRY(db_->Exec("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                             {WallSeconds(), id}));
  if (n == 0) {
    VMI_TRY(Get(id));  // not found, or already revoked (then fine)
  }
  return Ok();
}

Result<std::pair<User, int64_t>> Tokens::Authenticate(const std::string& token) {
  auto bad = Error(ErrorCode::kUnauthenticated, "invalid, expired or revoked token");
  if (token.rfind("vmi_", 0) != 0 || token.size() > 128) return bad;
  auto row = VMI_TRY(db_->QueryOne(
      "SELECT t.id AS tid, t.expires_at, t.revoked_at, t.last_used_at, u.id, u.name, u.role, "
      "u.disabled, u.created_at FROM api_tokens t JOIN users u ON u.id = t.user_id "
      "WHERE t.token_hash = $1",
      {TokenHash(token)}));
  if (!row) return bad;
  int64_t now = WallSeconds();
  if (!row->IsNull("revoked_at")) return bad;
  if (!row->IsNull("expires_at") && row->Int("expires_at") <= now) return bad;
  if (row->Bool("disabled")) return bad;
  int64_t tid = row->Int("tid");
  if (row->IsNull("last_used_at") || row->Int("last_used_at") < now - 60) {
    (void)db_->Exec("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", {now, tid});
  }
  User u;
  u.id = row->Int("id");
  u.name = row->Text("name");
  u.role = ParseRole(row->Text("role")).value_or(Role::kUser);
  u.created_at = row->Int("created_at");
  return std::make_pair(u, tid);
}

}  // namespace vmi::api
