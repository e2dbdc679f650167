// Users: accounts with a role (admin, user), an argon2id password hash and a
// disabled flag, in the `users` table.
//
// Threads: thread-safe (the Database is); every call blocks on the database
// and password calls take ~0.1 s: use from worker threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/http/request.h"
#include "api/http/response.h"
#include "api/request_validation.h"
#include "base/result.h"
#include "store/database.h"

namespace vmi::api {

struct User {
  int64_t id = 0;
  std::string name;
  Role role = Role::kUser;
  bool disabled = false;
  int64_t created_at = 0;
  Json ToJson() const;
};

struct QuotaLimits;

class Users {
 public:
  explicit Users(store::Database* db) : db_(db) {}  // db borrowed

  // Validates the name (ValidateName) and the password (8..1024 bytes).
  Result<User> Create(const std::string& name, const std::string& password, Role role);
  Result<User> Get(int64_t id);
  Result<User> GetByName(const std::string& name);
  Result<std::vector<User>> List();
  // Any of the optional fields; changing the password or disabling a user
  // ends their sessions.
  Result<User> Update(int64_t id, std::optional<Role> role, std::optional<bool> disabled,
                      std::optional<std::string> password);
  // Refuses to delete or demote the last enabled admin.
  Result<void> Delete(int64_t id);
  // The user if name and password match and the account is enabled; a
  // uniform kUnauthenticated otherwise (no hint which part was wrong).
  Result<User> CheckPassword(const std::string& name, const std::string& password);

  // First run: when there is no user at all, creates "admin" with
  // `password` (empty: a random one) and returns the password used so the
  // caller can print it once. Returns nullopt when users exist already.
  Result<std::optional<std::string>> EnsureAdmin(const std::string& password);

 private:
  Result<int64_t> EnabledAdminsExcept(store::Tx& tx, int64_t id);
  store::Database* db_;
};


}  // namespace vmi::api
