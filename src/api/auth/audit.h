// Audit log: who did what to which target, when, from where, and how it
// ended ("ok", "denied", "failed"). Written synchronously in the `audit_log`
// table; a failure to write is logged, never hides the action's own result.
//
//   audit.Record(req, "instance.create", "instance/a1", "ok");
//
// Actions are dotted names: auth.login, auth.logout, user.create,
// user.update, user.delete, token.create, token.revoke, quota.set,
// instance.create/start/stop/restart/delete, ...
//
// Threads: thread-safe; calls block on the database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/http/request.h"
#include "api/http/response.h"
#include "store/database.h"

namespace vmi::api {

struct AuditEntry {
  int64_t id = 0;
  int64_t at = 0;
  std::optional<int64_t> user_id;
  std::string user_name;
  std::string action, target, outcome, detail, peer;
  Json ToJson() const;
};

struct AuditQuery {
  std::optional<int64_t> user_id;
  std::string action;         // exact match, or prefix when it ends with '.'
  std::optional<int64_t> before_id;  // paging: entries older than this id
  int64_t limit = 100;        // 1..1000
};

class AuditLog {
 public:
  explicit AuditLog(store::Database* db) : db_(db) {}

  void Record(const Request& req, const std::string& action, const std::string& target,
              const std::string& outcome, const std::string& detail = "");
  // For actions whose actor is not (yet) the request's auth context, e.g. a
  // failed login naming a user.
  void RecordAs(std::optional<int64_t> user_id, const std::string& user_name,
                const std::string& peer, const std::string& action, const std::string& target,
                const std::string& outcome, const std::string& detail = "");
  Result<std::vector<AuditEntry>> List(const AuditQuery& q);

 private:
  store::Database* db_;
};

// "127.0.0.1:5123", "unix(uid=0)".
std::string PeerString(const PeerInfo& peer);

}  // namespace vmi::api
