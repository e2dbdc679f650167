#include "runtime/core/port_policy.h"

#include <arpa/inet.h>

#include <algorithm>
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

Result<void> Shape(const PortPolicy& p) {
  const uint64_t rate = static_cast<uint64_t>(p.bandwidth_mbit) * 1000000 / 8;  // bytes/s
  // A 20 ms burst (at least 32 KiB) keeps TCP smooth at the rate.
  const uint32_t burst = static_cast<uint32_t>(std::max<uint64_t>(32768, rate / 50));
  const std::string ifb = Ifb(p.slot);
  auto nl = VMI_TRY(Rtnetlink::Open());
  VMI_CHECK_OK(nl.AddIfb(ifb), "create " + ifb);
  int ifb_index = VMI_TRY(nl.LinkIndex(ifb));
  int host_index = VMI_TRY(nl.LinkIndex(p.host_if));
  VMI_CHECK_OK(nl.ReplaceRootTbf(host_index, rate, burst, 100), "shape " + p.host_if);
  VMI_CHECK_OK(nl.RedirectIngress(host_index, ifb_index), "redirect " + p.host_if);
  VMI_CHECK_OK(nl.ReplaceRootTbf(ifb_index, rate, burst, 100), "shape " + ifb);
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

void RemovePortPolicy(int slot, const std::string& host_if) {
  RemoveShaping(slot, host_if);
  // Separate transactions: either may be missing alone after a crash.
  RunNft("delete element bridge vmi ports { \"" + host_if + "\" }").ok();
  RunNft("delete chain bridge vmi " + Chain(slot)).ok();
  RemoveLegacyChain(slot);
}

}  // namespace vmi::runtime
