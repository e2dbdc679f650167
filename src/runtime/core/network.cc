#include "runtime/core/network.h"

#include "base/child_process.h"
#include "base/file.h"

namespace vmi::runtime {
namespace {

Result<void> Ip(const std::string& batch, const std::string& netns_of_pid = "") {
  std::vector<std::string> argv;
  if (!netns_of_pid.empty()) {
    argv = {"nsenter", "--net=/proc/" + netns_of_pid + "/ns/net", "--"};
  }
  argv.insert(argv.end(), {"ip", "-batch", "-"});
  auto r = VMI_TRY(Run(argv, {}, std::chrono::seconds(10), &batch));
  if (!r.ok()) {
    return Error(ErrorCode::kInternal, "ip " + DescribeWaitStatus(r.status) + ": " +
                                           std::string(Trim(r.err)));
  }
  return Ok();
}

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
  auto exists = VMI_TRY(Run({"ip", "link", "show", br}));
  if (!exists.ok()) {
    VMI_CHECK_OK(Ip("link add " + br + " type bridge\n" + "addr add " + Gateway() + "/16 dev " +
                    br + "\nlink set " + br + " up\n"),
                 "create bridge " + br);
  }
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
  std::string p = std::to_string(pid);
  if (!bridged) return Ip("link set lo up\n", p).Context("configure loopback");
  std::string host_if = HostInterface(slot);
  Detach(slot).ok();  // a stale interface from a crashed start
  VMI_CHECK_OK(Ip("link add " + host_if + " type veth peer name eth0 netns " + p + "\n" +
                  "link set " + host_if + " master " + config_.bridge + "\n" + "link set " +
                  host_if + " type bridge_slave isolated on\n" + "link set " + host_if + " up\n"),
               "create veth for slot " + std::to_string(slot));
  auto r = Ip("link set lo up\naddr add " + AddressFor(slot) + "/16 dev eth0\n" +
                  "link set eth0 up\nroute add default via " + Gateway() + "\n",
              p);
  if (!r.ok()) {
    Detach(slot).ok();
    return std::move(r).error().Context("configure guest network");
  }
  return Ok();
}

Result<void> Network::Detach(int slot) {
  // Most removals are of stopped instances whose veth is already gone with
  // their network namespace: no `ip` process for them.
  if (!PathExists("/sys/class/net/" + HostInterface(slot))) return Ok();
  auto r = VMI_TRY(Run({"ip", "link", "del", HostInterface(slot)}));
  (void)r;  // absent is fine
  return Ok();
}

}  // namespace vmi::runtime
