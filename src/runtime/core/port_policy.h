// PortPolicy: what an instance's bridge port lets through, on the host
// side of its veth, out of the guest's reach (docs/security.md):
//
//  - anti-spoofing: an ebtables chain per port (vmi-s<slot>, jumped to from
//    INPUT and FORWARD for frames coming in on the port) passes only IPv4
//    with the instance's own source address and ARP claiming that address,
//    both from the guest interface's own MAC; everything else (other
//    sources, other MACs, IPv6, other ethertypes) is dropped. Together with
//    the port isolation of network.h, an instance can neither reach another
//    one nor pose as it, nor poison the bridge's MAC table.
//  - bandwidth: a token bucket (tbf) on the host veth shapes traffic to the
//    guest; traffic from the guest is redirected (u32 + mirred) to an ifb
//    device vmiq<slot> with the same tbf. Only classifiers and actions this
//    kernel has are used (no flower/matchall/police).
//
// Uses the ebtables (nf_tables) and tc programs of iptables/iproute2.
// Threads: plain functions; different slots may be set up in parallel.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "base/result.h"

namespace vmi::runtime {

struct PortPolicy {
  int slot = 0;
  std::string host_if;          // the host end of the veth, e.g. vmih3
  std::string ip;               // the guest's address
  pid_t netns_pid = 0;          // a process in the guest's network namespace
  int64_t bandwidth_mbit = 0;   // 0: not shaped
};

// Installs both; on failure removes what it added.
Result<void> ApplyPortPolicy(const PortPolicy& p);
// Removes the slot's chain and ifb device; missing ones are not an error.
void RemovePortPolicy(int slot, const std::string& host_if);

}  // namespace vmi::runtime
