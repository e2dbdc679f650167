#include "api/auth/users.h"

#include "base/clock.h"
#include "api/auth/schema.h"
#include "api/auth/secrets.h"
#include "api/json_reader.h"
#include "base/secret.h"

namespace vmi::api {

namespace {
constexpr const char* kColumns = "id, name, role, disabled, created_at";

User FromRow(const store::Row& r) {
  User u;
  u.id = r.Int("id");
  u.name = r.Text("name");
  u.role = ParseRole(r.Text("role")).value_or(Role::kUser);
  u.disabled = r.Bool("disabled");
  u.created_at = r.Int("created_at");
  return u;
}
}  // namespace

Json User::ToJson() const {
  return {{"id", id}, {"name", name}, {"role", RoleName(role)}, {"disabled", disabled},
          {"created_at", created_at}};
}

Result<User> Users::Create(const std::string& name, const std::string& password, Role role) {
  VMI_CHECK_OK(ValidateName(name, "user name"), "create user");
  VMI_CHECK_OK(ValidatePassword(password), "create user");
  if (role == Role::kNone) return Error(ErrorCode::kInvalidArgument, "create user: no role");
  std::string hash = VMI_TRY(HashPassword(password));
  int64_t now = WallSeconds();
  auto row = VMI_TRY_CTX(db_->QueryOne(std::string("INSERT INTO users (name, password_hash, role, "
                                                   "created_at, updated_at) VALUES ($1, $2, $3, "
                                                   "$4, $4) RETURNING ") + kColumns,
                                       {name, hash, RoleName(role), now}),
                         "create user " + name);
  return FromRow(*row);
}

Result<User> Users::Get(int64_t id) {
  auto row = VMI_TRY(db_->QueryOne(std::string("SELECT ") + kColumns + " FROM users WHERE id = $1", {id}));
  if (!row) return Error(ErrorCode::kNotFound, "no user " + std::to_string(id));
  return FromRow(*row);
}

Result<User> Users::GetByName(const std::string& name) {
  auto row = VMI_TRY(db_->QueryOne(std::string("SELECT ") + kColumns + " FROM users WHERE name = $1", {name}));
  if (!row) return Error(ErrorCode::kNotFound, "no user " + name);
  return FromRow(*row);
}

Result<std::vector<User>> Users::List() {
  auto r = VMI_TRY(db_->Query(std::string("SELECT ") + kColumns + " FROM users ORDER BY id"));
  std::vector<User> out;
  for (const auto& row : r.rows) out.push_back(FromRow(row));
  return out;
}

Result<int64_t> Users::EnabledAdminsExcept(store::Tx& tx, int64_t id) {
  auto row = VMI_TRY(tx.QueryOne(
      "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND id <> $1", {id}));
  return row->Int(0);
}

Result<User> Users::Update(int64_t id, std::optional<Role> role, std::optional<bool> disabled,
                           std::optional<std::string> password) {
  std::string hash;
  if (password) {
    VMI_CHECK_OK(ValidatePassword(*password), "update user");
    hash = VMI_TRY(HashPassword(*password));
  }
  if (role && *role == Role::kNone) return Error(ErrorCode::kInvalidArgument, "no role");
  return db_->Transact<User>([&](store::Tx& tx) -> Result<User> {
    auto row = VMI_TRY(tx.QueryOne(std::string("SELECT ") + kColumns + " FROM users WHERE id = $1", {id}));
    if (!row) return Error(ErrorCode::kNotFound, "no user " + std::to_string(id));
    User u = FromRow(*row);
    bool loses_admin = u.role == Role::kAdmin && !u.disabled &&
                       ((role && *role != Role::kAdmin) || (disabled && *disabled));
    if (loses_admin && VMI_TRY(EnabledAdminsExcept(tx, id)) == 0) {
      return Error(ErrorCode::kFailedPrecondition, "cannot demote or disable the last admin");
    }
    int64_t now = WallSeconds();
    if (role) {
      VMI_TRY(tx.Exec("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3", {RoleName(*role), now, id}));
      u.role = *role;
    }
    if (disabled) {
      VMI_TRY(tx.Exec("UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3",
                      {int64_t{*disabled ? 1 : 0}, now, id}));
      u.disabled = *disabled;
    }
    if (password) {
      VMI_TRY(tx.Exec("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3", {hash, now, id}));
    }
    if (password || (disabled && *disabled)) {
      VMI_TRY(tx.Exec("DELETE FROM sessions WHERE user_id = $1", {id}));
    }
    return u;
  });
}

Result<void> Users::Delete(int64_t id) {
  return db_->TransactVoid([&](store::Tx& tx) -> Result<void> {
    auto row = VMI_TRY(tx.QueryOne("SELECT role FROM users WHERE id = $1", {id}));
    if (!row) return Error(ErrorCode::kNotFound, "no user " + std::to_string(id));
    if (row->Text(0) == "admin" && VMI_TRY(EnabledAdminsExcept(tx, id)) == 0) {
      return Error(ErrorCode::kFailedPrecondition, "cannot delete the last admin");
    }
    VMI_TRY_CTX(tx.Exec("DELETE FROM users WHERE id = $1", {id}),
                "delete user (delete their instances first)");
    return Ok();
  });
}

Result<User> Users::CheckPassword(const std::string& name, const std::string& password) {
  auto row = VMI_TRY(db_->QueryOne(
      std::string("SELECT ") + kColumns + ", password_hash FROM users WHERE name = $1", {name}));
  // Verify against a dummy hash when the user does not exist so both paths
  // take the same time.
  static const std::string dummy = *HashPassword("not-a-real-password");
  bool ok = VerifyPassword(row ? row->Text("password_hash") : dummy, password);
  if (!row || !ok || row->Bool("disabled")) {
    return Error(ErrorCode::kUnauthenticated, "wrong user name or password");
  }
  return FromRow(*row);
}

Result<std::optional<std::string>> Users::EnsureAdmin(const std::string& password) {
  auto count = VMI_TRY(db_->QueryOne("SELECT COUNT(*) FROM users"));
  if (count->Int(0) > 0) return std::optional<std::string>();
  std::string pw = password.empty() ? RandomPassword(20) : password;
  auto created = Create("admin", pw, Role::kAdmin);
  if (!created.ok() && created.error().code() == ErrorCode::kAlreadyExists) {
    return std::optional<std::string>();  // another process won
  }
  if (!created.ok()) return std::move(created).error().Context("create first admin");
  return std::optional<std::string>(pw);
}

}  // namespace vmi::api
