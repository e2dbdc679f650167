#include "runtime/core/port_policy.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <thread>

#include "base/child_process.h"
#include "base/unique_fd.h"
#include "runtime/core/nftables.h"
#include "runtime/core/rtnetlink.h"

namespace vmi::runtime {
namespace {

// Runs fn in a thread inside a fresh network namespace: nftables tables,
// links and qdiscs made there vanish with it, and the host's are untouched.
// Processes spawned from that thread (tc) start in it too.
template <typename F>
void InFreshNetns(F fn) {
  std::thread([&] {
    ASSERT_EQ(unshare(CLONE_NEWNET), 0);
    fn();
  }).join();
}

std::string Tc(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"tc"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = RunChecked(argv);
  return r.ok() ? *r : "tc failed: " + r.error().ToString();
}

std::string List(const std::string& what) {
  auto r = RunNft("list " + what);
  return r.ok() ? *r : r.error().ToString();
}

class PortPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, nftables)";
  }
  // A bridge and a veth whose host end vmih5 is a port of it, in the
  // calling thread's namespace.
  static void MakePort() {
    auto nl = Rtnetlink::Open();
    ASSERT_TRUE(nl.ok());
    ASSERT_TRUE(nl->AddBridge("br-t").ok());
    int br = *nl->LinkIndex("br-t");
    UniqueFd self(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    auto v = nl->AddVeth("vmih5", "peer5", self.get(), br, {0x02, 0x56, 0x4d, 0, 0, 5});
    ASSERT_TRUE(v.ok()) << v.error().ToString();
  }
};

TEST_F(PortPolicyTest, AppliesAntiSpoofingAndShapingAndRemovesThemWithoutResidue) {
  InFreshNetns([] {
    MakePort();
    PortPolicy p{5, "vmih5", "10.88.0.7", {0x02, 0x56, 0x4d, 0, 0, 5}, 8};
    auto applied = ApplyPortPolicy(p);
    ASSERT_TRUE(applied.ok()) << applied.error().ToString();

    std::string table = List("table bridge vmi");
    EXPECT_NE(table.find("\"vmih5\" : jump port5"), std::string::npos) << table;
    EXPECT_NE(table.find("ether saddr != 02:56:4d:00:00:05"), std::string::npos) << table;
    EXPECT_NE(table.find("ip saddr 10.88.0.7 return"), std::string::npos) << table;
    EXPECT_NE(table.find("arp saddr ip 10.88.0.7"), std::string::npos) << table;
    EXPECT_NE(table.find("hook input"), std::string::npos) << table;
    EXPECT_NE(table.find("hook forward"), std::string::npos) << table;
    EXPECT_EQ(*PortPolicyDrops(5), 0);

    // 8 Mbit/s both ways: tbf on the port, its ingress redirected to vmiq5
    // which carries the same tbf. (tc prints what the kernel holds.)
    std::string port_q = Tc({"qdisc", "show", "dev", "vmih5"});
    EXPECT_NE(port_q.find("tbf"), std::string::npos) << port_q;
    EXPECT_NE(port_q.find("rate 8Mbit"), std::string::npos) << port_q;
    EXPECT_NE(port_q.find("ingress ffff:"), std::string::npos) << port_q;
    std::string filter = Tc({"filter", "show", "dev", "vmih5", "ingress"});
    EXPECT_NE(filter.find("Egress Redirect to device vmiq5"), std::string::npos) << filter;
    std::string ifb_q = Tc({"qdisc", "show", "dev", "vmiq5"});
    EXPECT_NE(ifb_q.find("rate 8Mbit"), std::string::npos) << ifb_q;

    // Applying again (a restart after a crash) replaces, never duplicates.
    applied = ApplyPortPolicy(p);
    ASSERT_TRUE(applied.ok()) << applied.error().ToString();
    table = List("table bridge vmi");
    EXPECT_EQ(table.find("jump port5"), table.rfind("jump port5")) << table;
    EXPECT_EQ(table.find("ip saddr 10.88.0.7 return"), table.rfind("ip saddr 10.88.0.7 return"))
        << "the chain's rules are replaced, not added again: " << table;

    RemovePortPolicy(5, "vmih5");
    table = List("table bridge vmi");
    EXPECT_EQ(table.find("port5"), std::string::npos) << table;
    EXPECT_EQ(RunNft("list chain bridge vmi port5").error().code(), ErrorCode::kNotFound);
    EXPECT_FALSE(Rtnetlink::Open()->LinkIndex("vmiq5").ok());
    RemovePortPolicy(5, "vmih5");  // idempotent
    EXPECT_FALSE(PortPolicyDrops(5).ok());
  });
}

TEST_F(PortPolicyTest, UnshapedPortHasNoQdiscOrIfb) {
  InFreshNetns([] {
    MakePort();
    ASSERT_TRUE(ApplyPortPolicy({5, "vmih5", "10.88.0.7", {0x02, 0x56, 0x4d, 0, 0, 5}, 0}).ok());
    EXPECT_EQ(Tc({"qdisc", "show", "dev", "vmih5"}).find("tbf"), std::string::npos);
    EXPECT_FALSE(Rtnetlink::Open()->LinkIndex("vmiq5").ok());
    RemovePortPolicy(5, "vmih5");
  });
}

TEST_F(PortPolicyTest, LinkConditionsAreNetemBothWaysAndRestoreTheQuota) {
  InFreshNetns([] {
    MakePort();
    PortPolicy p{5, "vmih5", "10.88.0.7", {0x02, 0x56, 0x4d, 0, 0, 5}, 8};
    ASSERT_TRUE(ApplyPortPolicy(p).ok());
    // 2 Mbit/s under the 8 Mbit/s quota: netem's own rate is the narrower.
    LinkConditions c{.bandwidth_kbit = 2000, .delay_ms = 100, .jitter_ms = 10, .loss_percent = 5};
    auto applied = ApplyLinkConditions(p, c);
    if (!applied.ok() && applied.error().code() == ErrorCode::kUnavailable)
      GTEST_SKIP() << applied.error().message();
    ASSERT_TRUE(applied.ok()) << applied.error().ToString();
    for (const char* dev : {"vmih5", "vmiq5"}) {
      std::string q = Tc({"qdisc", "show", "dev", dev});
      EXPECT_NE(q.find("netem"), std::string::npos) << q;
      EXPECT_NE(q.find("delay 100ms  10ms"), std::string::npos) << q;
      EXPECT_NE(q.find("loss 5%"), std::string::npos) << q;
      EXPECT_NE(q.find("rate 2Mbit"), std::string::npos) << q;
      EXPECT_EQ(q.find("tbf"), std::string::npos) << q;
    }
    // A wider rate than the quota is held to the quota.
    ASSERT_TRUE(ApplyLinkConditions(p, {.bandwidth_kbit = 50000}).ok());
    EXPECT_NE(Tc({"qdisc", "show", "dev", "vmih5"}).find("rate 8Mbit"), std::string::npos);
    // Offline: every packet is lost, both ways.
    ASSERT_TRUE(ApplyLinkConditions(p, {.offline = true}).ok());
    for (const char* dev : {"vmih5", "vmiq5"})
      EXPECT_NE(Tc({"qdisc", "show", "dev", dev}).find("loss 100%"), std::string::npos) << dev;
    // Back to normal: the quota's token buckets again.
    ASSERT_TRUE(ApplyLinkConditions(p, {}).ok());
    std::string q = Tc({"qdisc", "show", "dev", "vmih5"});
    EXPECT_NE(q.find("tbf"), std::string::npos) << q;
    EXPECT_EQ(q.find("netem"), std::string::npos) << q;
    EXPECT_NE(Tc({"qdisc", "show", "dev", "vmiq5"}).find("rate 8Mbit"), std::string::npos);
    RemovePortPolicy(5, "vmih5");
  });
}

TEST_F(PortPolicyTest, LinkConditionsOnAnUnshapedPortLeaveNothingBehind) {
  InFreshNetns([] {
    MakePort();
    PortPolicy p{5, "vmih5", "10.88.0.7", {0x02, 0x56, 0x4d, 0, 0, 5}, 0};
    ASSERT_TRUE(ApplyPortPolicy(p).ok());
    auto applied = ApplyLinkConditions(p, {.delay_ms = 50});
    if (!applied.ok() && applied.error().code() == ErrorCode::kUnavailable)
      GTEST_SKIP() << applied.error().message();
    ASSERT_TRUE(applied.ok()) << applied.error().ToString();
    std::string q = Tc({"qdisc", "show", "dev", "vmih5"});
    EXPECT_NE(q.find("netem"), std::string::npos) << q;
    EXPECT_EQ(q.find(" rate "), std::string::npos) << q;  // no rate: not limited
    EXPECT_TRUE(Rtnetlink::Open()->LinkIndex("vmiq5").ok());
    ASSERT_TRUE(ApplyLinkConditions(p, {}).ok());
    q = Tc({"qdisc", "show", "dev", "vmih5"});
    EXPECT_EQ(q.find("netem"), std::string::npos) << q;
    EXPECT_EQ(q.find("ingress"), std::string::npos) << q;
    EXPECT_FALSE(Rtnetlink::Open()->LinkIndex("vmiq5").ok());
    RemovePortPolicy(5, "vmih5");
  });
}

TEST_F(PortPolicyTest, LinkConditionsWithoutDelayAreTokenBucketsAndDropChains) {
  InFreshNetns([] {
    MakePort();
    PortPolicy p{5, "vmih5", "10.88.0.7", {0x02, 0x56, 0x4d, 0, 0, 5}, 8};
    ASSERT_TRUE(ApplyPortPolicy(p).ok());
    // 2 Mbit/s and 5 % loss: the token buckets at the narrower rate, and a
    // chain per direction dropping 500 of every 10000 frames at random.
    auto applied = ApplyLinkConditions(p, {.bandwidth_kbit = 2000, .loss_percent = 5});
    ASSERT_TRUE(applied.ok()) << applied.error().ToString();
    for (const char* dev : {"vmih5", "vmiq5"}) {
      std::string q = Tc({"qdisc", "show", "dev", dev});
      EXPECT_NE(q.find("tbf"), std::string::npos) << q;
      EXPECT_NE(q.find("rate 2Mbit"), std::string::npos) << q;
    }
    std::string t = List("table netdev vmilink");
    EXPECT_NE(t.find("chain in5"), std::string::npos) << t;
    EXPECT_NE(t.find("chain out5"), std::string::npos) << t;
    EXPECT_NE(t.find("hook ingress device \"vmih5\""), std::string::npos) << t;
    EXPECT_NE(t.find("hook egress device \"vmih5\""), std::string::npos) << t;
    EXPECT_NE(t.find("numgen random mod 10000 < 500"), std::string::npos) << t;
    // Offline: every frame is dropped; the rate is kept for later.
    ASSERT_TRUE(ApplyLinkConditions(p, {.bandwidth_kbit = 2000, .offline = true}).ok());
    t = List("table netdev vmilink");
    EXPECT_EQ(t.find("numgen"), std::string::npos) << t;
    EXPECT_NE(t.find("counter packets"), std::string::npos) << t;
    EXPECT_NE(t.find("drop"), std::string::npos) << t;
    // Back to normal: the quota's token buckets, no chains.
    ASSERT_TRUE(ApplyLinkConditions(p, {}).ok());
    EXPECT_NE(Tc({"qdisc", "show", "dev", "vmih5"}).find("rate 8Mbit"), std::string::npos);
    EXPECT_NE(Tc({"qdisc", "show", "dev", "vmiq5"}).find("rate 8Mbit"), std::string::npos);
    t = List("table netdev vmilink");
    EXPECT_EQ(t.find("chain in5"), std::string::npos) << t;
    EXPECT_EQ(t.find("chain out5"), std::string::npos) << t;
    // Loss again, then the port removed: its chains go with it.
    ASSERT_TRUE(ApplyLinkConditions(p, {.loss_percent = 1}).ok());
    RemovePortPolicy(5, "vmih5");
    t = List("table netdev vmilink");
    EXPECT_EQ(t.find("chain in5"), std::string::npos) << t;
  });
}

TEST_F(PortPolicyTest, DelayWithoutNetemIsRefusedAndChangesNothing) {
  InFreshNetns([] {
    MakePort();
    PortPolicy p{5, "vmih5", "10.88.0.7", {0x02, 0x56, 0x4d, 0, 0, 5}, 8};
    ASSERT_TRUE(ApplyPortPolicy(p).ok());
    auto applied = ApplyLinkConditions(p, {.delay_ms = 30});
    if (applied.ok()) {
      RemovePortPolicy(5, "vmih5");
      GTEST_SKIP() << "this kernel has netem; the other tests cover it";
    }
    EXPECT_EQ(applied.error().code(), ErrorCode::kUnavailable) << applied.error().ToString();
    EXPECT_NE(applied.error().message().find("netem"), std::string::npos);
    std::string q = Tc({"qdisc", "show", "dev", "vmih5"});
    EXPECT_NE(q.find("rate 8Mbit"), std::string::npos) << q;
    RemovePortPolicy(5, "vmih5");
  });
}

TEST_F(PortPolicyTest, RemovesTheEbtablesChainOfEarlierVersions) {
  InFreshNetns([] {
    // What `ebtables-restore` of earlier versions left in ebtables-nft's table.
    auto made = RunNft(
        "add table bridge filter\n"
        "add chain bridge filter INPUT { type filter hook input priority -200 ; }\n"
        "add chain bridge filter FORWARD { type filter hook forward priority -200 ; }\n"
        "add chain bridge filter vmi-s5\n"
        "add chain bridge filter vmi-s6\n"
        "add rule bridge filter vmi-s5 drop\n"
        "add rule bridge filter INPUT iifname \"vmih5\" jump vmi-s5\n"
        "add rule bridge filter FORWARD iifname \"vmih5\" jump vmi-s5\n"
        "add rule bridge filter FORWARD iifname \"vmih6\" jump vmi-s6\n");
    ASSERT_TRUE(made.ok()) << made.error().ToString();
    RemovePortPolicy(5, "vmih5");
    std::string table = List("table bridge filter");
    EXPECT_EQ(table.find("vmi-s5"), std::string::npos) << table;
    EXPECT_NE(table.find("jump vmi-s6"), std::string::npos) << table;  // another slot's stays
  });
}

TEST_F(PortPolicyTest, BadAddressIsRefusedAndLeavesNothing) {
  InFreshNetns([] {
    MakePort();
    auto r = ApplyPortPolicy({5, "vmih5", "10.88.0.999", {0x02, 0x56, 0x4d, 0, 0, 5}, 0});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().ToString().find("anti-spoofing"), std::string::npos);
    EXPECT_EQ(RunNft("list chain bridge vmi port5").error().code(), ErrorCode::kNotFound);
  });
}

}  // namespace
}  // namespace vmi::runtime
