#include "node/access.h"

#include <cstring>

namespace vmi::node {

std::optional<api::Action> InstanceAction(const char* action) {
  struct Entry {
    const char* name;
    api::Action action;
  };
  static constexpr Entry kActions[] = {
      {"list", api::Action::kRead},         {"inspect", api::Action::kRead},
      {"logs", api::Action::kRead},         {"create", api::Action::kCreate},
      {"start", api::Action::kControl},     {"stop", api::Action::kControl},
      {"restart", api::Action::kControl},   {"rotate", api::Action::kControl},
      {"control", api::Action::kControl},   {"delete", api::Action::kDelete},
      {"stream", api::Action::kViewStream}, {"screenshot", api::Action::kViewStream},
      {"input", api::Action::kInput},       {"exec", api::Action::kExec},
      {"vnc", api::Action::kVncPassword},
  };
  for (const auto& e : kActions)
    if (strcmp(e.name, action) == 0) return e.action;
  return std::nullopt;
}

api::Usage QuotaUsage(const InstanceRecord& r) {
  return api::Usage{1, static_cast<int64_t>(r.spec.cpus * 1000 + 0.5),
                    (r.spec.memory_bytes + (1 << 20) - 1) >> 20};
}

InstanceAccessCheck MakeAccessCheck(api::Management& m) {
  return
      [&m](const api::Request& req, const InstanceRecord& r, const char* action) -> Result<void> {
        auto a = InstanceAction(action);
        if (!a) return Error(ErrorCode::kPermissionDenied, std::string("unknown action ") + action);
        // The message never names someone else's instance: a refusal reads like
        // an unknown id.
        const char* what = *a == api::Action::kCreate ? "instances" : "such instance";
        auto ok = m.authorizer().Check(req.auth, *a, r.owner_id, what);
        if (!ok.ok() && req.auth.authenticated() && strcmp(action, "list") != 0 &&
            *a != api::Action::kCreate) {
          m.audit().Record(req, std::string("instance.") + action, "instance/" + r.spec.name,
                           "denied", ok.error().message());
        }
        return ok;
      };
}

QuotaLookup MakeQuotaLookup(api::Management& m) {
  return [&m](const api::Request& req) -> Result<api::QuotaLimits> {
    if (!req.auth.authenticated())
      return Error(ErrorCode::kUnauthenticated, "authentication required");
    return VMI_TRY(m.quotas().Get(req.auth.user_id)).limits;
  };
}

ImageChangeCheck MakeImageChangeCheck(api::Management& m) {
  return [&m](const api::Request& req) -> Result<void> {
    return m.authorizer().Check(req.auth, api::Action::kAdmin, std::nullopt, "images");
  };
}

InstanceAudit MakeAudit(api::Management& m) {
  return [&m](const api::Request& req, const std::string& action, const std::string& target,
              const Error* failure) {
    m.audit().Record(req, action, target, failure ? "failed" : "ok",
                     failure ? failure->ToString() : "");
  };
}

}  // namespace vmi::node
