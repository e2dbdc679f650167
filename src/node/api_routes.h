// The node's REST routes for instances, images and the node itself,
// registered on the daemon's Router. Handlers translate HTTP to manager
// calls; all policy lives in the managers.
#pragma once

#include <functional>

#include "api/http/router.h"
#include "api/request_validation.h"
#include "node/instance_manager.h"

namespace vmi::node {

class ImageCatalog;

// Authorization hook: every instance route asks it before acting. The
// default (null) allows everything, as on a single-user node reached through
// the local socket.
// Actions: "list", "inspect", "logs", "create", "start", "stop", "restart",
// "delete", "exec", and the live routes' "stream", "screenshot", "rotate",
// "vnc", "input", "control".
using InstanceAccessCheck =
    std::function<Result<void>(const api::Request&, const InstanceRecord&, const char* action)>;

// Audit hook: called after every instance operation that changes something
// (create, start, stop, restart, delete, exec) with its outcome (null: ok).
using InstanceAudit = std::function<void(const api::Request&, const std::string& action,
                                         const std::string& target, const Error* failure)>;

// Asks `check` (null allows everything) whether the caller may do `action`
// on `r`, which the caller named `key`. A refusal that would tell more than
// an unknown id (forbidden, or a message naming the instance) comes back as
// "no such instance '<key>'" (kNotFound); other errors (unauthenticated)
// pass through. Every instance and live route uses this.
Result<void> CheckInstanceAccess(const InstanceAccessCheck& check, const api::Request& req,
                                 const InstanceRecord& r, const char* action,
                                 const std::string& key);

// The instance the route's {id} names, after CheckInstanceAccess: what every
// per-instance route does first.
Result<InstanceRecord> LookupInstance(InstanceManager& m, const InstanceAccessCheck& check,
                                      const api::Request& req, const char* action);

// The per-instance limits of the caller's quota (api/auth/quotas.h), which
// bound what a create request may ask (node/instance_limits.h).
using QuotaLookup = std::function<Result<api::QuotaLimits>(const api::Request&)>;

struct InstanceRouteHooks {
  InstanceAccessCheck check;  // null: allow everything
  InstanceAudit audit;        // null: no audit log
  QuotaLookup quota;          // null: unlimited, the node defaults apply
};

void RegisterInstanceRoutes(api::Router& router, InstanceManager& instances,
                            InstanceRouteHooks hooks = {});

// The answer of an exec: exit code (128+signal if killed), output, and
// whether output beyond `max_output` was cut.
api::Json ExecResultJson(const RunOutput& out, size_t max_output);

// The JSON of an instance as the API shows it (without secrets).
api::Json InstanceJson(const InstanceManager& m, const InstanceRecord& r);
// Image changes (import, build, delete) ask `may_change` first (null: allowed)
// and are audited through `audit`.
using ImageChangeCheck = std::function<Result<void>(const api::Request&)>;
void RegisterImageRoutes(api::Router& router, ImageCatalog& images, InstanceManager& instances,
                         ImageChangeCheck may_change = nullptr, InstanceAudit audit = nullptr);
void RegisterNodeRoutes(api::Router& router, InstanceManager& instances);

}  // namespace vmi::node
