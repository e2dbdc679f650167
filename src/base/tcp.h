// Outgoing TCP connections: the control plane to a phone's gate, the gate to
// its device host's VNC server.
#pragma once

#include <chrono>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace vmi {

// Connects to an IPv4 or IPv6 address (no name lookup) within `timeout`;
// the socket returned is blocking. kInvalidArgument for a host that is not
// an address, kUnavailable when nothing answers.
Result<UniqueFd> ConnectTcp(const std::string& host, int port, std::chrono::milliseconds timeout);

}  // namespace vmi
