#include "api/auth/audit.h"

#include "base/clock.h"
#include "api/auth/schema.h"
#include <algorithm>

#include "base/log.h"

namespace vmi::api {

std::string PeerString(const PeerInfo& peer) {
  if (peer.transport == PeerInfo::Transport::kUnix) {
    return "unix(uid=" + std::to_string(static_cast<int64_t>(peer.uid)) + ")";
  }
  return peer.address + ":" + std::to_string(peer.port);
}

Json AuditEntry::ToJson() const {
  return {{"id", id},         {"at", at},       {"user_id", user_id ? Json(*user_id) : Json(nullptr)},
          {"user", user_name}, {"action", action}, {"target", target},
          {"outcome", outcome}, {"detail", detail}, {"peer", peer}};
}

void AuditLog::Record(const Request& req, const std::string& action, const std::string& target,
                      const std::string& outcome, const std::string& detail) {
  std::optional<int64_t> uid;
  if (req.auth.authenticated()) uid = req.auth.user_id;
  RecordAs(uid, req.auth.authenticated() ? req.auth.user_name : "anonymous", PeerString(req.peer),
           action, target, outcome, detail);
}

void AuditLog::RecordAs(std::optional<int64_t> user_id, const std::string& user_name,
                        const std::string& peer, const std::string& action,
                        const std::string& target, const std::string& outcome,
                        const std::string& detail) {
  // Built step by step: GCC 12 warns (falsely) about a variant copied out of
  // an initializer list.
  store::Params params;
  params.reserve(8);
  params.emplace_back(WallSeconds());
  if (user_id) {
    params.emplace_back(*user_id);
  } else {
    params.emplace_back(nullptr);
  }
  for (std::string v : {user_name.substr(0, 128), action, target.substr(0, 512), outcome,
                        detail.substr(0, 2048), peer}) {
    params.emplace_back(std::move(v));
  }
  auto r = db_->Exec(
      "INSERT INTO audit_log (at, user_id, user_name, action, target, outcome, detail, peer) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      params);
  if (!r.ok()) VMI_LOG(ERROR) << "audit " << action << " " << target << ": " << r.error().ToString();
}

Result<std::vector<AuditEntry>> AuditLog::List(const AuditQuery& q) {
  std::string sql =
      "SELECT id, at, user_id, user_name, action, target, outcome, detail, peer FROM audit_log "
      "WHERE 1 = 1";
  store::Params params;
  if (q.user_id) {
    params.push_back(*q.user_id);
    sql += " AND user_id = $" + std::to_string(params.size());
  }
  if (!q.action.empty()) {
    if (q.action.back() == '.') {
      params.push_back(q.action.substr(0, q.action.size() - 1));
      sql += " AND (action = $" + std::to_string(params.size()) + " OR substr(action, 1, " +
             std::to_string(q.action.size()) + ") = $" + std::to_string(params.size() + 1) + ")";
      params.push_back(q.action);
    } else {
      params.push_back(q.action);
      sql += " AND action = $" + std::to_string(params.size());
    }
  }
  if (q.before_id) {
    params.push_back(*q.before_id);
    sql += " AND id < $" + std::to_string(params.size());
  }
  int64_t limit = std::clamp<int64_t>(q.limit, 1, 1000);
  sql += " ORDER BY id DESC LIMIT " + std::to_string(limit);
  auto r = VMI_TRY(db_->Query(sql, params));
  std::vector<AuditEntry> out;
  for (const auto& row : r.rows) {
    AuditEntry e;
    e.id = row.Int("id");
    e.at = row.Int("at");
    if (!row.IsNull("user_id")) e.user_id = row.Int("user_id");
    e.user_name = row.Text("user_name");
    e.action = row.Text("action");
    e.target = row.Text("target");
    e.outcome = row.Text("outcome");
    e.detail = row.Text("detail");
    e.peer = row.Text("peer");
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace vmi::api
