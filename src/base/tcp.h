// TCP: the control plane to a phone's gate, the gate to its device host's
// VNC server, and vmi-modem's ports on a cluster (its control port for the
// control plane, its line port for the Pods' device hosts).
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

// Like ConnectTcp, but `host` may also be a name (a Kubernetes Service's),
// looked up with getaddrinfo (blocking) and tried address by address.
Result<UniqueFd> ConnectTcpByName(const std::string& host, int port,
                                  std::chrono::milliseconds timeout);

struct HostPort {
  std::string host;  // an address or a name; "[::1]" is given as "::1"
  int port = 0;
};
// "HOST:PORT", "[V6]:PORT"; kInvalidArgument for anything else.
Result<HostPort> ParseHostPort(const std::string& text);

// A non-blocking listening socket on an address ("0.0.0.0", "::",
// "127.0.0.1"); port 0 takes a free one (see BoundPort).
Result<UniqueFd> ListenTcp(const std::string& host, int port, int backlog = 64);
int BoundPort(int fd);

}  // namespace vmi
