// Console sessions: a random session id in a cookie
// (`vmi_session`; Secure when served over TLS, HttpOnly, SameSite=Strict,
// Path=/), stored hashed, with a per-session CSRF token that unsafe requests
// must echo in the X-CSRF-Token header. Sessions expire after `idle` without
// use and after `absolute` in any case.
//
// Threads: thread-safe; calls block on the database.
#pragma once

#include <cstdint>
#include <string>

#include "api/auth/users.h"
#include "store/database.h"

namespace vmi::api {

inline constexpr const char* kSessionCookie = "vmi_session";

class Sessions {
 public:
  struct Options {
    int64_t idle_seconds = 12 * 3600;
    int64_t absolute_seconds = 7 * 24 * 3600;
  };
  explicit Sessions(store::Database* db) : db_(db) {}
  Sessions(store::Database* db, Options options) : db_(db), options_(options) {}

  struct Created {
    std::string session_id;  // goes into the cookie, never stored
    std::string csrf_token;
    int64_t expires_at = 0;
  };
  Result<Created> Create(int64_t user_id, const std::string& peer);

  struct Found {
    User user;
    std::string id_hash;
    std::string csrf_token;
  };
  // kUnauthenticated when unknown, expired, or the user is disabled.
  Result<Found> Lookup(const std::string& session_id);
  Result<void> Delete(const std::string& id_hash);

  // Set-Cookie values.
  std::string Cookie(const std::string& session_id, bool secure) const;
  static std::string ClearCookie(bool secure);

 private:
  store::Database* db_;
  Options options_;
};

}  // namespace vmi::api
