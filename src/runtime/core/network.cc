#include "runtime/core/network.h"

#include <fcntl.h>
#include <unistd.h>

#include "base/child_process.h"
#include "base/file.h"
#include "base/unique_fd.h"
#include "runtime/core/rtnetlink.h"

namespace vmi::runtime {
namespace {

// Adds an iptables rule unless an identical one exists.
Result<void> EnsureRule(std::vector<std::string> rule) {
  std::vector<std::string> check = {"iptables", "-w"};
  std::vector<std::string> add = check;
  size_t table_end = 0;
  if (rule.size() > 1 && rule[0] == "-t") table_end = 2;
  check.insert(check.end(), rule.begin(), rule.begin() + table_end);
  add.insert(add.end(), rule.begin(), rule.begin() + table_end);
  check.push_back("-C");
  add.push_back("-I");
  check.insert(check.end(), rule.begin() + table_end, rule.end());
  add.insert(add.end(), rule.begin() + table_end, rule.end());
  auto c = VMI_TRY(Run(check));
  if (c.ok()) return Ok();
  auto r = RunChecked(add);
  if (!r.ok()) return std::move(r).error().Context("add iptables rule");
  return Ok();
}

}  // namespace

std::string Network::AddressFor(int slot) const {
  int host = slot + 2;  // .0.0 is the network, .0.1 the bridge
  return config_.prefix + "." + std::to_string(host >> 8) + "." + std::to_string(host & 255);
}

Result<void> Network::EnsureHost() {
  const std::string& br = config_.bridge;
  auto nl = VMI_TRY_CTX(Rtnetlink::Open(), "host network");
  auto index = nl.LinkIndex(br);
  if (!index.ok() && index.error().code() == ErrorCode::kNotFound) {
    VMI_CHECK_OK(nl.AddBridge(br), "create bridge " + br);
    index = nl.LinkIndex(br);
    if (index.ok()) VMI_CHECK_OK(nl.AddAddress4(*index, Gateway(), 16), "create bridge " + br);
  }
  if (!index.ok()) return std::move(index).error().Context("host network");
  VMI_CHECK_OK(nl.SetUp(*index), "bring up bridge " + br);
  bridge_index_ = *index;
  VMI_CHECK_OK(WriteFile("/proc/sys/net/ipv4/ip_forward", "1"), "enable forwarding");
  std::string subnet = config_.prefix + ".0.0/16";
  VMI_CHECK_OK(EnsureRule({"-t", "nat", "POSTROUTING", "-s", subnet, "!", "-o", br, "-j",
                           "MASQUERADE"}),
               "NAT");
  VMI_CHECK_OK(EnsureRule({"FORWARD", "-i", br, "!", "-o", br, "-j", "ACCEPT"}), "forward out");
  VMI_CHECK_OK(EnsureRule({"FORWARD", "-o", br, "-m", "conntrack", "--ctstate",
                           "RELATED,ESTABLISHED", "-j", "ACCEPT"}),
               "forward replies");
  // Instances may not open connections to the host's own services.
  VMI_CHECK_OK(EnsureRule({"INPUT", "-i", br, "-m", "conntrack", "--ctstate", "NEW", "-j", "DROP"}),
               "isolate host");
  return Ok();
}

Result<void> Network::Attach(int slot, pid_t pid, bool bridged) {
  // The container's network namespace, through its init (created, not yet
  // started). Everything below is rtnetlink from this process: no `ip`.
  UniqueFd netns(open(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC));
  if (!netns) return Error::FromErrno("open network namespace of " + std::to_string(pid));
  auto guest = VMI_TRY_CTX(Rtnetlink::OpenIn(netns.get()), "configure guest network");
  auto lo = guest.LinkIndex("lo");
  if (!lo.ok()) return std::move(lo).error().Context("configure loopback");
  if (auto up = guest.SetUp(*lo); !up.ok())
    return std::move(up).error().Context("configure loopback");
  if (!bridged) return Ok();

  const std::string host_if = HostInterface(slot);
  const std::string what = "create veth for slot " + std::to_string(slot);
  auto host = VMI_TRY_CTX(Rtnetlink::Open(), what);
  int bridge = bridge_index_.load();
  if (bridge <= 0) bridge = VMI_TRY_CTX(host.LinkIndex(config_.bridge), what);
  if (auto stale = host.LinkIndex(host_if); stale.ok())
    host.DeleteLink(*stale).ok();  // a crashed start
  VMI_CHECK_OK(host.AddVeth(host_if, "eth0", netns.get(), bridge, GuestMac(slot)), what);
  auto configured = [&]() -> Result<void> {
    int hi = VMI_TRY(host.LinkIndex(host_if));
    VMI_CHECK_OK(host.SetBridgePortIsolated(hi), "isolate " + host_if);
    int eth0 = VMI_TRY(guest.LinkIndex("eth0"));
    VMI_CHECK_OK(guest.AddAddress4(eth0, AddressFor(slot), 16), "eth0");
    VMI_CHECK_OK(guest.SetUp(eth0), "eth0");
    return guest.AddDefaultRoute4(Gateway());
  }();
  if (!configured.ok()) {
    Detach(slot).ok();
    return std::move(configured).error().Context("configure guest network");
  }
  return Ok();
}

Result<void> Network::Detach(int slot) {
  // Most removals are of stopped instances whose veth is already gone with
  // their network namespace.
  if (!PathExists("/sys/class/net/" + HostInterface(slot))) return Ok();
  auto nl = VMI_TRY(Rtnetlink::Open());
  auto index = nl.LinkIndex(HostInterface(slot));
  if (!index.ok()) return Ok();  // gone meanwhile
  auto r = nl.DeleteLink(*index);
  if (!r.ok() && r.error().code() != ErrorCode::kNotFound)
    return std::move(r).error().Context("remove " + HostInterface(slot));
  return Ok();
}

}  // namespace vmi::runtime
