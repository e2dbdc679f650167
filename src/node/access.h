// The node's routes under the management layer: the instance access check,
// image change check and audit hooks that api_routes.h and the live routes
// take, built from api::Management's Authorizer and AuditLog.
//
// Action mapping (instance routes and live channels -> api::Action):
//   list inspect logs            -> kRead
//   create                       -> kCreate
//   start stop restart rotate control -> kControl
//   delete                       -> kDelete
//   stream screenshot            -> kViewStream
//   input                        -> kInput
//   exec                         -> kExec
//   vnc                          -> kVncPassword
// An unknown action is refused (fail closed). A refused attempt on an
// instance that exists is written to the audit log as "denied" (except the
// per-row filtering of lists), so guessing other users' ids leaves a trace.
//
// Threads: the hooks are thread-safe; Management must outlive them.
#pragma once

#include <optional>

#include "api/management.h"
#include "node/api_routes.h"

namespace vmi::node {

// nullopt for an unknown action.
std::optional<api::Action> InstanceAction(const char* action);

// What an instance takes from its owner's quota: one instance, its CPUs in
// millicpus, its memory in MiB (rounded up).
api::Usage QuotaUsage(const InstanceRecord& r);

InstanceAccessCheck MakeAccessCheck(api::Management& m);
// The caller's quota limits (unauthenticated callers never get this far).
QuotaLookup MakeQuotaLookup(api::Management& m);
ImageChangeCheck MakeImageChangeCheck(api::Management& m);
InstanceAudit MakeAudit(api::Management& m);

}  // namespace vmi::node
