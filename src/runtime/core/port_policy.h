// PortPolicy: what an instance's bridge port lets through, on the host
// side of its veth, out of the guest's reach (docs/security.md):
//
//  - anti-spoofing: the nftables table `bridge vmi` holds a verdict map from
//    bridge port name to a chain per port (port<slot>), consulted by base
//    chains on the input and forward hooks before the bridge's own filter.
//    A port's chain passes only IPv4 with the instance's own source address
//    and ARP claiming that address, both from the guest interface's MAC
//    (which the daemon set when it made the veth); everything else (other
//    sources, other MACs, IPv6, other ethertypes) is dropped. Together with
//    the port isolation of network.h, an instance can neither reach another
//    one nor pose as it, nor poison the bridge's MAC table.
//  - bandwidth: a token bucket (tbf) on the host veth shapes traffic to the
//    guest; traffic from the guest is redirected (u32 + mirred) to an ifb
//    device vmiq<slot> with the same tbf. Only classifiers and actions this
//    kernel has are used (no flower/matchall/police).
//  - network conditions (ApplyLinkConditions): the tbfs at another rate,
//    nftables netdev chains for loss, or netem for delays.
//
// Both go to the kernel over netlink from this process (libnftables and
// runtime/core/rtnetlink.h): applying or removing a policy forks nothing.
// Threads: plain functions; different slots may be set up in parallel.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "runtime/core/link_conditions.h"
#include "runtime/core/rtnetlink.h"

namespace vmi::runtime {

struct PortPolicy {
  int slot = 0;
  std::string host_if;          // the host end of the veth, e.g. vmih3
  std::string ip;               // the guest's address
  MacAddress mac{};             // the guest's eth0
  int64_t bandwidth_mbit = 0;   // 0: not shaped
};

// Installs both; on failure removes what it added.
Result<void> ApplyPortPolicy(const PortPolicy& p);
// Puts network conditions on the port (link_conditions.h), the same both
// ways. Without a delay: the token buckets of the port and its ifb device
// at the narrower of the conditions' and the policy's rate, and for loss
// or offline an nftables table `netdev vmilink` with a chain per direction
// (in<slot> on the port's ingress hook, out<slot> on its egress hook) that
// drops a random share of frames (numgen) or all of them. With a delay or
// jitter: netem (rate, delay, jitter, loss) in place of the token buckets;
// kUnavailable, saying so, on a kernel without netem. Inactive conditions
// restore what ApplyPortPolicy made. Forks nothing.
Result<void> ApplyLinkConditions(const PortPolicy& p, const LinkConditions& c);
// Removes the slot's chain, map entry and ifb device; missing ones are not
// an error. Also removes the ebtables chain (vmi-s<slot> in `bridge filter`)
// that versions before the nftables table installed, so that an instance
// adopted across an upgrade leaves nothing behind for the slot's next user.
void RemovePortPolicy(int slot, const std::string& host_if);

// Frames the slot's chain dropped so far (its counters).
Result<int64_t> PortPolicyDrops(int slot);

// "02:56:4d:00:00:07".
std::string FormatMac(const MacAddress& mac);

}  // namespace vmi::runtime
