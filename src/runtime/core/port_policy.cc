#include "runtime/core/port_policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <mutex>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "runtime/core/nftables.h"

namespace vmi::runtime {
namespace {

std::string Chain(int slot) { return "port" + std::to_string(slot); }
std::string Ifb(int slot) { return "vmiq" + std::to_string(slot); }

// The table and its hooks are made once per process (and again if someone
// deleted the table behind the daemon's back). The map lookup costs the
// same for one port or a thousand.
std::mutex base_mu;
bool base_ready = false;

Result<void> EnsureBase(bool recheck) {
  std::lock_guard lock(base_mu);
  if (base_ready && !recheck) return Ok();
  auto listed = RunNft("list table bridge vmi");
  if (!listed.ok() && listed.error().code() != ErrorCode::kNotFound) return std::move(listed).error();
  if (!listed.ok()) {
    // Priority -200 ("filter" in the bridge family) runs before
    // ebtables-nft's chains of the same hooks.
    VMI_TRY(RunNft(
        "add table bridge vmi\n"
        "add map bridge vmi ports { type ifname : verdict ; }\n"
        "add chain bridge vmi input { type filter hook input priority -200 ; policy accept ; }\n"
        "add chain bridge vmi forward { type filter hook forward priority -200 ; policy accept ; }\n"
        "add rule bridge vmi input iifname vmap @ports\n"
        "add rule bridge vmi forward iifname vmap @ports\n"));
  }
  base_ready = true;
  return Ok();
}

// Rules of the ebtables-nft chain `vmi-s<slot>` in table `bridge filter`
// and the jumps to it, from an older version of this file.
void RemoveLegacyChain(int slot) {
  const std::string chain = "vmi-s" + std::to_string(slot);
  auto listed = RunNft("list table bridge filter", /*json=*/true);
  if (!listed.ok()) return;  // no ebtables table: nothing was ever installed
  auto doc = nlohmann::json::parse(*listed, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc["nftables"].is_array()) return;
  std::string batch;
  bool chain_exists = false;
  for (const auto& item : doc["nftables"]) {
    if (item.contains("chain") && item["chain"].value("name", "") == chain) chain_exists = true;
    if (!item.contains("rule")) continue;
    const auto& rule = item["rule"];
    for (const auto& e : rule.value("expr", nlohmann::json::array()))
      if (e.contains("jump") && e["jump"].value("target", "") == chain)
        batch += "delete rule bridge filter " + rule.value("chain", "") + " handle " +
                 std::to_string(rule.value("handle", 0)) + "\n";
  }
  if (!chain_exists) return;
  batch += "flush chain bridge filter " + chain + "\ndelete chain bridge filter " + chain + "\n";
  RunNft(batch).ok();
}

// The ifb device that carries the guest's outgoing traffic, with the
// redirect to it; made when missing.
Result<int> EnsureUplink(Rtnetlink& nl, const PortPolicy& p, int host_index) {
  const std::string ifb = Ifb(p.slot);
  if (auto index = nl.LinkIndex(ifb); index.ok()) return *index;
  VMI_CHECK_OK(nl.AddIfb(ifb), "create " + ifb);
  int ifb_index = VMI_TRY(nl.LinkIndex(ifb));
  VMI_CHECK_OK(nl.RedirectIngress(host_index, ifb_index), "redirect " + p.host_if);
  return ifb_index;
}

// Token buckets of `rate` bytes/s both ways.
Result<void> ShapeAt(const PortPolicy& p, uint64_t rate) {
  // A 20 ms burst (at least 32 KiB) keeps TCP smooth at the rate.
  const uint32_t burst = static_cast<uint32_t>(std::max<uint64_t>(32768, rate / 50));
  auto nl = VMI_TRY(Rtnetlink::Open());
  int host_index = VMI_TRY(nl.LinkIndex(p.host_if));
  int ifb_index = VMI_TRY(EnsureUplink(nl, p, host_index));
  VMI_CHECK_OK(nl.ReplaceRootTbf(host_index, rate, burst, 100), "shape " + p.host_if);
  VMI_CHECK_OK(nl.ReplaceRootTbf(ifb_index, rate, burst, 100), "shape " + Ifb(p.slot));
  return Ok();
}

Result<void> Shape(const PortPolicy& p) {
  return ShapeAt(p, static_cast<uint64_t>(p.bandwidth_mbit) * 1000000 / 8);
}

// No shaping at all: the ifb device and the port's qdiscs go.
Result<void> Unshape(const PortPolicy& p) {
  auto nl = VMI_TRY(Rtnetlink::Open());
  if (auto index = nl.LinkIndex(Ifb(p.slot)); index.ok())
    VMI_CHECK_OK(nl.DeleteLink(*index), "remove " + Ifb(p.slot));
  int host_index = VMI_TRY(nl.LinkIndex(p.host_if));
  return nl.DeleteQdiscs(host_index);
}

// Loss and offline, where netem is not used: nftables chains on the
// port's netdev ingress (from the guest) and egress (to it) hooks, in the
// table `netdev vmilink`, that drop a random share of frames (numgen) or
// all of them. Removing them is deleting the two chains.
std::string LinkChain(int slot, const char* dir) { return dir + std::to_string(slot); }

void RemoveLoss(int slot) {
  for (const char* dir : {"in", "out"})
    RunNft("delete chain netdev vmilink " + LinkChain(slot, dir)).ok();
}

Result<void> ApplyLoss(const PortPolicy& p, double percent, bool offline) {
  RemoveLoss(p.slot);
  if (!offline && percent <= 0) return Ok();
  // In hundredths of a percent: numgen draws 0..9999.
  const int64_t share = static_cast<int64_t>(std::llround(percent * 100));
  std::string verdict = offline || share >= 10000
                            ? "counter drop"
                            : "numgen random mod 10000 < " + std::to_string(share) + " counter drop";
  std::string batch = "add table netdev vmilink\n";
  for (auto [dir, hook] : {std::pair{"in", "ingress"}, std::pair{"out", "egress"}}) {
    std::string c = LinkChain(p.slot, dir);
    batch += "add chain netdev vmilink " + c + " { type filter hook " + hook + " device \"" +
             p.host_if + "\" priority 0 ; policy accept ; }\n";
    batch += "add rule netdev vmilink " + c + " " + verdict + "\n";
  }
  auto added = RunNft(batch);
  if (!added.ok()) {
    RemoveLoss(p.slot);
    return std::move(added).error().Context("packet loss on " + p.host_if);
  }
  return Ok();
}

// The ifb and qdiscs of a port's bandwidth limit, if any.
void RemoveShaping(int slot, const std::string& host_if) {
  // Asked over netlink, not through /sys/class/net, which shows the
  // namespace sysfs was mounted in rather than the caller's.
  if (auto nl = Rtnetlink::Open(); nl.ok()) {
    if (auto index = nl->LinkIndex(Ifb(slot)); index.ok()) nl->DeleteLink(*index).ok();
    if (auto index = nl->LinkIndex(host_if); index.ok()) nl->DeleteQdiscs(*index).ok();
  }
}

}  // namespace

Result<int64_t> PortPolicyDrops(int slot) {
  auto listed = VMI_TRY(RunNft("list chain bridge vmi " + Chain(slot), /*json=*/true));
  auto doc = nlohmann::json::parse(listed, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc["nftables"].is_array())
    return Error(ErrorCode::kInternal, "nftables: unreadable listing of " + Chain(slot));
  int64_t drops = 0;
  for (const auto& item : doc["nftables"]) {
    if (!item.contains("rule")) continue;
    for (const auto& e : item["rule"].value("expr", nlohmann::json::array()))
      if (e.contains("counter") && e["counter"].is_object())
        drops += e["counter"].value("packets", int64_t{0});
  }
  return drops;
}

std::string FormatMac(const MacAddress& mac) {
  char text[18];
  snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
           mac[4], mac[5]);
  return text;
}

Result<void> ApplyPortPolicy(const PortPolicy& p) {
  // nft would take anything else for a host name and resolve it.
  in_addr parsed{};
  if (inet_pton(AF_INET, p.ip.c_str(), &parsed) != 1)
    return Error(ErrorCode::kInvalidArgument, "anti-spoofing rules: not an IPv4 address: " + p.ip);
  // Leftovers of a crashed start: the shaping goes through netlink; the
  // chain and its map element are replaced by the batch itself (`add` of an
  // existing chain or element is no error, `flush` empties the chain), so a
  // start runs one nftables transaction.
  RemoveShaping(p.slot, p.host_if);
  const std::string c = Chain(p.slot);
  const std::string mac = FormatMac(p.mac);
  const std::string rules =
      "add chain bridge vmi " + c + "\n" +
      "flush chain bridge vmi " + c + "\n" +
      "add rule bridge vmi " + c + " ether saddr != " + mac + " counter drop\n" +
      "add rule bridge vmi " + c + " ether type ip ip saddr " + p.ip + " return\n" +
      "add rule bridge vmi " + c + " ether type arp arp saddr ip " + p.ip +
      " arp saddr ether " + mac + " return\n" +
      "add rule bridge vmi " + c + " counter drop\n" +
      "add element bridge vmi ports { \"" + p.host_if + "\" : jump " + c + " }\n";
  VMI_CHECK_OK(EnsureBase(false), "anti-spoofing rules");
  auto added = RunNft(rules);
  if (!added.ok() && added.error().code() == ErrorCode::kNotFound) {
    VMI_CHECK_OK(EnsureBase(true), "anti-spoofing rules");
    added = RunNft(rules);
  }
  if (!added.ok()) return std::move(added).error().Context("anti-spoofing rules");
  if (p.bandwidth_mbit > 0) {
    auto shaped = Shape(p);
    if (!shaped.ok()) {
      RemovePortPolicy(p.slot, p.host_if);
      return std::move(shaped).error().Context("bandwidth limit");
    }
  }
  return Ok();
}

Result<void> ApplyLinkConditions(const PortPolicy& p, const LinkConditions& c) {
  // The owner's quota still bounds the rate: the narrower of the two.
  uint64_t rate = static_cast<uint64_t>(c.bandwidth_kbit) * 1000 / 8;
  uint64_t quota = static_cast<uint64_t>(p.bandwidth_mbit) * 1000000 / 8;
  if (quota > 0 && (rate == 0 || quota < rate)) rate = quota;

  if (c.delay_ms == 0 && c.jitter_ms == 0) {
    // Without delays the port keeps token buckets (at the narrower rate),
    // and loss is nftables': this works on kernels without netem too.
    VMI_CHECK_OK(rate > 0 ? ShapeAt(p, rate) : Unshape(p), "bandwidth of " + p.host_if);
    return ApplyLoss(p, c.loss_percent, c.offline);
  }
  constexpr uint64_t kMs = 1'000'000;  // ns
  Rtnetlink::Netem n;
  n.delay_ns = static_cast<uint64_t>(c.delay_ms) * kMs;
  n.jitter_ns = static_cast<uint64_t>(c.jitter_ms) * kMs;
  n.loss = c.offline ? 1.0 : c.loss_percent / 100;
  n.rate = rate;
  // Netem holds every packet for its delay: the queue must take what the
  // link carries in the delay (1 Gbit/s when not limited, 1000-byte
  // packets) plus a quarter second, or it drops on its own.
  uint64_t carried = rate > 0 ? rate : 125'000'000;
  uint64_t window_ms = static_cast<uint64_t>(c.delay_ms + c.jitter_ms) + 250;
  n.limit = static_cast<uint32_t>(std::clamp<uint64_t>(carried * window_ms / 1000 / 1000, 64, 100000));
  auto nl = VMI_TRY(Rtnetlink::Open());
  int host_index = VMI_TRY(nl.LinkIndex(p.host_if));
  // The port's own qdisc first: on a kernel without netem that fails
  // before anything (an ifb device) was added.
  auto down = nl.ReplaceRootNetem(host_index, n);
  if (!down.ok() && down.error().code() == ErrorCode::kNotFound)
    return Error(ErrorCode::kUnavailable,
                 "this host's kernel has no netem queueing discipline (CONFIG_NET_SCH_NETEM, "
                 "module sch_netem): delay and jitter cannot be emulated here; bandwidth, loss "
                 "and offline can");
  VMI_CHECK_OK(std::move(down), "downlink of " + p.host_if);
  int ifb_index = VMI_TRY(EnsureUplink(nl, p, host_index));
  VMI_CHECK_OK(nl.ReplaceRootNetem(ifb_index, n), "uplink of " + p.host_if);
  RemoveLoss(p.slot);  // netem drops itself
  return Ok();
}

void RemovePortPolicy(int slot, const std::string& host_if) {
  RemoveShaping(slot, host_if);
  // Separate transactions: either may be missing alone after a crash.
  RunNft("delete element bridge vmi ports { \"" + host_if + "\" }").ok();
  RunNft("delete chain bridge vmi " + Chain(slot)).ok();
  RemoveLoss(slot);
  RemoveLegacyChain(slot);
}

}  // namespace vmi::runtime
