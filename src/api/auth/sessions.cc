#include "api/auth/sessions.h"

#include "base/clock.h"
#include "api/auth/schema.h"
#include "api/auth/secrets.h"

namespace vmi::api {

Result<Sessions::Created> Sessions::Create(int64_t user_id, const std::string& peer) {
  Created c;
  c.session_id = RandomToken(32);
  c.csrf_token = RandomToken(32);
  int64_t now = WallSeconds();
  c.expires_at = now + options_.absolute_seconds;
  VMI_TRY_CTX(db_->Exec("INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, "
                        "last_seen_at, expires_at, peer) VALUES ($1, $2, $3, $4, $4, $5, $6)",
                        {TokenHash(c.session_id), user_id, c.csrf_token, now, c.expires_at, peer}),
              "create session");
  // Expired sessions are swept whenever someone logs in.
  (void)db_->Exec("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2",
                  {now, now - options_.idle_seconds});
  return c;
}

Result<Sessions::Found> Sessions::Lookup(const std::string& session_id) {
  auto bad = Error(ErrorCode::kUnauthenticated, "session expired or unknown; log in again");
  if (session_id.empty() || session_id.size() > 128) return bad;
  std::string hash = TokenHash(session_id);
  auto row = VMI_TRY(db_->QueryOne(
      "SELECT s.csrf_token, s.last_seen_at, s.expires_at, u.id, u.name, u.role, u.disabled, "
      "u.created_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1",
      {hash}));
  if (!row) return bad;
  int64_t now = WallSeconds();
  if (row->Int("expires_at") <= now || row->Int("last_seen_at") <= now - options_.idle_seconds ||
      row->Bool("disabled")) {
    return bad;
  }
  if (row->Int("last_seen_at") < now - 60) {
    (void)db_->Exec("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2", {now, hash});
  }
  Found f;
  f.user.id = row->Int("id");
  f.user.name = row->Text("name");
  f.user.role = ParseRole(row->Text("role")).value_or(Role::kUser);
  f.user.created_at = row->Int("created_at");
  f.id_hash = hash;
  f.csrf_token = row->Text("csrf_token");
  return f;
}

Result<void> Sessions::Delete(const std::string& id_hash) {
  VMI_TRY(db_->Exec("DELETE FROM sessions WHERE id_hash = $1", {id_hash}));
  return Ok();
}

std::string Sessions::Cookie(const std::string& session_id, bool secure) const {
  return std::string(kSessionCookie) + "=" + session_id + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
         std::to_string(options_.absolute_seconds) + (secure ? "; Secure" : "");
}

std::string Sessions::ClearCookie(bool secure) {
  return std::string(kSessionCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0" +
         (secure ? "; Secure" : "");
}

}  // namespace vmi::api
