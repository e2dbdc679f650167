// Host networking of instances: one host bridge with outbound NAT, and per
// instance a veth pair whose guest end is the instance's eth0. Bridge ports
// are isolated from each other, so instances cannot reach one another, and
// new connections from instances to the host itself are dropped.
//
// Links, addresses and routes go through rtnetlink from the daemon itself
// (runtime/core/rtnetlink.h): a start forks no `ip` or `nsenter`. The
// iptables rules are installed once per daemon (EnsureHost) with the
// iptables program, which is not on the start path.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <string>

#include "base/result.h"
#include "runtime/core/rtnetlink.h"

namespace vmi::runtime {

struct NetworkConfig {
  std::string bridge = "vmibr0";
  // The bridge takes .0.1 of this /16; instances get addresses by slot.
  std::string prefix = "10.88";
};

class Network {
 public:
  explicit Network(NetworkConfig config = {}) : config_(std::move(config)) {}

  // Creates the bridge, enables forwarding and installs NAT/isolation rules
  // if missing. Idempotent.
  Result<void> EnsureHost();
  // The guest address of a slot, e.g. "10.88.0.7".
  std::string AddressFor(int slot) const;
  std::string Gateway() const { return config_.prefix + ".0.1"; }
  // Wires the network namespace of `pid` (the container's init, before it
  // starts): veth to the bridge with the slot's address, or just loopback.
  Result<void> Attach(int slot, pid_t pid, bool bridged);
  // Removes the host end if it is still there (the kernel removes the pair
  // when the namespace dies). Idempotent.
  Result<void> Detach(int slot);
  std::string HostInterface(int slot) const { return "vmih" + std::to_string(slot); }
  // The guest's eth0 address, set when the veth is made: locally
  // administered (02:...), "VM" and the slot, so the port policy knows it
  // without asking the guest.
  static MacAddress GuestMac(int slot) {
    return {0x02, 0x56, 0x4d, static_cast<uint8_t>(slot >> 16), static_cast<uint8_t>(slot >> 8),
            static_cast<uint8_t>(slot)};
  }

 private:
  NetworkConfig config_;
  std::atomic<int> bridge_index_{0};  // known after EnsureHost; starts run in parallel
};

}  // namespace vmi::runtime
