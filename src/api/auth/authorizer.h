// Authorizer: the one place that decides whether a caller may act on a
// resource. Every route and every live channel calls it - HTTP handlers,
// WebSocket video/input streams, screenshots, VNC password disclosure, exec.
//
//   VMI_CHECK_OK(authz.Check(req.auth, Action::kViewStream, instance.owner_id,
//                            "instance " + id), "");
//
// Rules:
//  - anonymous callers: kUnauthenticated (401);
//  - admins may do everything;
//  - users may act on resources they own; someone else's resource is
//    reported as kNotFound (404), so guessing ids reveals nothing;
//  - resources without an owner (images, the node) are readable by users;
//    changing them, and every Action::kAdmin, needs an admin (403).
//
// Threads: stateless and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "api/http/request.h"
#include "base/result.h"

namespace vmi::api {

enum class Action {
  kRead,         // list, inspect, logs
  kCreate,
  kControl,      // start, stop, restart, settings
  kDelete,
  kViewStream,   // video/audio WebSocket, thumbnails, screenshots
  kInput,        // touch/keyboard channel, clipboard
  kExec,         // run a command inside
  kVncPassword,  // disclose the VNC password
  kAdmin,        // users, audit log, node administration
};
const char* ActionName(Action a);

class Authorizer {
 public:
  // `owner_id`: the owning user of the resource, nullopt when it has none.
  // `what` names the resource for the error message ("instance a1").
  Result<void> Check(const AuthContext& who, Action action, std::optional<int64_t> owner_id,
                     std::string_view what) const;
  Result<void> RequireAuthenticated(const AuthContext& who) const;
  Result<void> RequireAdmin(const AuthContext& who) const;
};

}  // namespace vmi::api
