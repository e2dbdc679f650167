#include "runtime/core/port_policy.h"

#include <algorithm>

#include "base/child_process.h"
#include "base/file.h"

namespace vmi::runtime {
namespace {

std::string Chain(int slot) { return "vmi-s" + std::to_string(slot); }
std::string Ifb(int slot) { return "vmiq" + std::to_string(slot); }

Result<void> RunBatch(std::vector<std::string> argv, const std::string& input) {
  auto r = VMI_TRY(Run(argv, {}, std::chrono::seconds(10), &input));
  if (!r.ok())
    return Error(ErrorCode::kInternal,
                 argv[0] + " " + DescribeWaitStatus(r.status) + ": " + std::string(Trim(r.err)));
  return Ok();
}

// The MAC address of eth0 in the guest's network namespace.
Result<std::string> GuestMac(pid_t pid) {
  auto out = VMI_TRY(RunChecked({"nsenter", "--net=/proc/" + std::to_string(pid) + "/ns/net",
                                 "--", "ip", "-o", "link", "show", "eth0"}));
  size_t at = out.find("link/ether ");
  if (at == std::string::npos || out.size() < at + 11 + 17)
    return Error(ErrorCode::kInternal, "no MAC address on the guest's eth0");
  return out.substr(at + 11, 17);
}

Result<void> Shape(const PortPolicy& p) {
  // A 20 ms burst (at least 32 KiB) keeps TCP smooth at the rate.
  int64_t burst = std::max<int64_t>(32768, p.bandwidth_mbit * 1000000 / 8 / 50);
  std::string tbf = " root tbf rate " + std::to_string(p.bandwidth_mbit) + "mbit burst " +
                    std::to_string(burst) + " latency 100ms\n";
  const std::string ifb = Ifb(p.slot);
  VMI_CHECK_OK(RunBatch({"ip", "-batch", "-"}, "link add " + ifb + " type ifb\nlink set " + ifb +
                                                   " up\n"),
               "create " + ifb);
  return RunBatch({"tc", "-batch", "-"},
                  "qdisc replace dev " + p.host_if + tbf + "qdisc add dev " + p.host_if +
                      " handle ffff: ingress\n" + "filter add dev " + p.host_if +
                      " parent ffff: protocol all u32 match u32 0 0 action mirred egress "
                      "redirect dev " + ifb + "\n" + "qdisc replace dev " + ifb + tbf);
}

}  // namespace

Result<void> ApplyPortPolicy(const PortPolicy& p) {
  RemovePortPolicy(p.slot, p.host_if);  // leftovers of a crashed start
  std::string mac = VMI_TRY_CTX(GuestMac(p.netns_pid), "port policy");
  const std::string c = Chain(p.slot);
  std::string rules = "*filter\n:" + c + " RETURN\n" +
                      "-A " + c + " -s ! " + mac + " -j DROP\n" +
                      "-A " + c + " -p IPv4 --ip-src " + p.ip + " -j RETURN\n" +
                      "-A " + c + " -p ARP --arp-ip-src " + p.ip + " --arp-mac-src " + mac +
                      " -j RETURN\n" + "-A " + c + " -j DROP\n" +
                      "-A INPUT -i " + p.host_if + " -j " + c + "\n" +
                      "-A FORWARD -i " + p.host_if + " -j " + c + "\nCOMMIT\n";
  VMI_CHECK_OK(RunBatch({"ebtables-restore", "--noflush"}, rules), "anti-spoofing rules");
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
  if (PathExists("/sys/class/net/" + Ifb(slot))) Run({"ip", "link", "del", Ifb(slot)}).ok();
  const std::string c = Chain(slot);
  auto listed = Run({"ebtables", "-L", c});
  if (!listed.ok() || !listed->ok()) return;  // no chain: nothing to do
  for (const char* parent : {"INPUT", "FORWARD"}) {
    // Remove every jump to it (a crashed start may have left two).
    for (int i = 0; i < 4; ++i) {
      auto d = Run({"ebtables", "-D", parent, "-i", host_if, "-j", c});
      if (!d.ok() || !d->ok()) break;
    }
  }
  Run({"ebtables", "-F", c}).ok();
  Run({"ebtables", "-X", c}).ok();
}

}  // namespace vmi::runtime
