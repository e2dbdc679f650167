// The daemon's side of a device host's control socket (control_message.h):
// one connection per call. A device host that is not running (being
// restarted, crashed) answers kUnavailable.
//
// Threads: reentrant; each call uses its own connection.
#pragma once

#include <chrono>
#include <string>

#include "base/result.h"
#include "devices/host/control_message.h"

namespace vmi::devhost {

// Sends `request` (with its fd, if any) and returns the reply, whose "ok"
// has been checked: a {"ok":false} reply comes back as its Error.
Result<Message> Call(const std::string& socket_path, const Message& request,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Sends `request` and, after an ok reply, returns the connection for the
// stream that follows (op "audio_tap").
Result<UniqueFd> Open(const std::string& socket_path, const Message& request,
                      std::chrono::milliseconds timeout = std::chrono::seconds(2));

// A request with just an op and fields.
Message Request(const std::string& op, nlohmann::json fields = nlohmann::json::object());

}  // namespace vmi::devhost
