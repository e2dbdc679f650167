#include "api/auth/authorizer.h"

#include <string>

namespace vmi::api {

const char* ActionName(Action a) {
  switch (a) {
    case Action::kRead: return "read";
    case Action::kCreate: return "create";
    case Action::kControl: return "control";
    case Action::kDelete: return "delete";
    case Action::kViewStream: return "view";
    case Action::kInput: return "input";
    case Action::kExec: return "exec";
    case Action::kVncPassword: return "vnc-password";
    case Action::kAdmin: return "admin";
  }
  return "?";
}

Result<void> Authorizer::RequireAuthenticated(const AuthContext& who) const {
  if (!who.authenticated()) return Error(ErrorCode::kUnauthenticated, "authentication required");
  return Ok();
}

Result<void> Authorizer::RequireAdmin(const AuthContext& who) const {
  VMI_CHECK_OK(RequireAuthenticated(who), "admin");
  if (!who.is_admin()) return Error(ErrorCode::kPermissionDenied, "admin role required");
  return Ok();
}

Result<void> Authorizer::Check(const AuthContext& who, Action action,
                               std::optional<int64_t> owner_id, std::string_view what) const {
  if (!who.authenticated()) {
    return Error(ErrorCode::kUnauthenticated, "authentication required");
  }
  if (who.is_admin()) return Ok();
  if (action == Action::kAdmin) {
    return Error(ErrorCode::kPermissionDenied, std::string(what) + ": admin role required");
  }
  if (owner_id) {
    if (*owner_id == who.user_id) return Ok();
    return Error(ErrorCode::kNotFound, "no " + std::string(what));
  }
  if (action == Action::kRead) return Ok();
  return Error(ErrorCode::kPermissionDenied,
               std::string(what) + ": " + ActionName(action) + " needs the admin role");
}

}  // namespace vmi::api
