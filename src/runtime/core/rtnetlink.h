// A small rtnetlink client (libmnl) for the links, addresses and routes of
// instances: what `ip link/addr/route` did, without a process per call.
//
// One object is one NETLINK_ROUTE socket, bound to the network namespace it
// was opened in: OpenIn(netns_fd) opens it from a short-lived thread that
// entered that namespace, so the daemon's own threads never change
// namespace. Requests are synchronous (each waits for the kernel's ack).
// Not thread-safe: one owner at a time.
//
// Wire format: every request is one netlink message (struct nlmsghdr, then
// struct ifinfomsg / ifaddrmsg / rtmsg, then attributes) with NLM_F_ACK; the
// kernel answers NLMSG_ERROR whose error field is 0 or -errno.
#pragma once

#include <stdint.h>

#include <array>
#include <memory>
#include <string>

#include "base/result.h"

struct mnl_socket;

namespace vmi::runtime {

using MacAddress = std::array<uint8_t, 6>;

class Rtnetlink {
 public:
  // A socket in the caller's network namespace.
  static Result<Rtnetlink> Open();
  // A socket in the network namespace behind `netns_fd` (/proc/PID/ns/net).
  static Result<Rtnetlink> OpenIn(int netns_fd);

  Rtnetlink(Rtnetlink&&) noexcept;
  Rtnetlink& operator=(Rtnetlink&&) noexcept;
  ~Rtnetlink();

  // The interface index of `name`; kNotFound if there is none.
  Result<int> LinkIndex(const std::string& name);
  Result<void> AddBridge(const std::string& name);
  // A veth pair: `name` here, `peer_name` created directly in the namespace
  // behind `peer_netns_fd` with the address `peer_mac`, the host end
  // enslaved to `master_index` (> 0) and up.
  Result<void> AddVeth(const std::string& name, const std::string& peer_name, int peer_netns_fd,
                       int master_index, const MacAddress& peer_mac);
  // An ifb device (traffic redirected to it is shaped on its egress), up.
  Result<void> AddIfb(const std::string& name);
  // Replaces the root qdisc of `index` with a token bucket: `rate` bytes/s,
  // `burst` bytes, a queue of `latency_ms` at the rate (what `tc qdisc
  // replace dev X root tbf rate R burst B latency L` does).
  Result<void> ReplaceRootTbf(int index, uint64_t rate, uint32_t burst, uint32_t latency_ms);
  // Replaces the root qdisc of `index` with netem (what `tc qdisc replace
  // dev X root netem delay D jitter J loss L rate R limit N` does). Netem
  // delays every packet by `delay_ns` +- a uniform `jitter_ns`, drops a
  // fraction `loss` (0..1) at random and, when `rate` (bytes/s) is not 0,
  // paces packets to it; it queues at most `limit` packets.
  struct Netem {
    uint64_t delay_ns = 0;
    uint64_t jitter_ns = 0;
    double loss = 0;
    uint64_t rate = 0;
    uint32_t limit = 1000;
  };
  Result<void> ReplaceRootNetem(int index, const Netem& n);
  // Deletes the root qdisc of `index` only; a missing one is not an error.
  Result<void> DeleteRootQdisc(int index);
  // An ingress qdisc on `index` and a match-all u32 filter whose mirred
  // action redirects every incoming frame to the egress of `to_index`.
  Result<void> RedirectIngress(int index, int to_index);
  // Deletes the root and ingress qdiscs of `index` (and so its filters);
  // missing ones are not an error.
  Result<void> DeleteQdiscs(int index);
  // A bridge port that may not forward to other isolated ports.
  Result<void> SetBridgePortIsolated(int index);
  Result<void> SetUp(int index);
  Result<void> DeleteLink(int index);
  // An IPv4 address, e.g. ("10.88.0.7", 16).
  Result<void> AddAddress4(int index, const std::string& address, int prefix_len);
  Result<void> AddDefaultRoute4(const std::string& gateway);

 private:
  explicit Rtnetlink(mnl_socket* s);
  // Sends the message in buf_ and waits for its ack.
  Result<void> Transact(const std::string& what);

  mnl_socket* sock_ = nullptr;
  uint32_t port_ = 0;
  uint32_t seq_ = 0;
  std::unique_ptr<char[]> buf_;
};

}  // namespace vmi::runtime
