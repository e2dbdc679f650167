// API tokens: bearer credentials for the CLI and scripts.
//
// A token is "vmi_" + 43 base64url characters (32 random bytes); only its
// BLAKE2b hash is stored, with a short prefix for display. The plaintext is
// returned once, at creation. Tokens expire (optional) and are revoked by
// setting revoked_at; a revoked, expired or disabled user's token fails with
// kUnauthenticated.
//
// Threads: thread-safe; calls block on the database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/auth/users.h"
#include "store/database.h"

namespace vmi::api {

struct TokenInfo {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string name;
  std::string prefix;  // "vmi_AbCd"
  int64_t created_at = 0;
  std::optional<int64_t> expires_at, last_used_at, revoked_at;
  Json ToJson() const;
};

class Tokens {
 public:
  explicit Tokens(store::Database* db) : db_(db) {}

  struct Created {
    TokenInfo info;
    std::string token;  // shown once
  };
  // ttl_seconds <= 0: never expires.
  Result<Created> Create(int64_t user_id, const std::string& name, int64_t ttl_seconds);
  // all=true lists every user's tokens (admin).
  Result<std::vector<TokenInfo>> List(int64_t user_id, bool all);
  Result<TokenInfo> Get(int64_t id);
  Result<void> Revoke(int64_t id);
  // The token's user, for authentication; updates last_used_at (at most once
  // a minute, to keep reads cheap).
  Result<std::pair<User, int64_t>> Authenticate(const std::string& token);

 private:
  store::Database* db_;
};

}  // namespace vmi::api
