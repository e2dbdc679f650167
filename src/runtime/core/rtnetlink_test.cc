#include "runtime/core/rtnetlink.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "base/unique_fd.h"

namespace vmi::runtime {
namespace {

// A fresh, empty network namespace (only a down `lo`), owned by its fd.
UniqueFd NewNetns() {
  UniqueFd fd;
  std::thread([&] {
    if (unshare(CLONE_NEWNET) == 0)
      fd = UniqueFd(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  }).join();
  return fd;
}

// Runs fn in a thread inside `netns`.
template <typename F>
void In(int netns, F fn) {
  std::thread([&] {
    ASSERT_EQ(setns(netns, CLONE_NEWNET), 0);
    fn();
  }).join();
}

class RtnetlinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces)";
    host_ = NewNetns();
    guest_ = NewNetns();
    ASSERT_TRUE(host_ && guest_);
  }
  UniqueFd host_, guest_;
};

TEST_F(RtnetlinkTest, WiresAGuestToABridgeLikeIpDid) {
  auto host = Rtnetlink::OpenIn(host_.get());
  ASSERT_TRUE(host.ok()) << host.error().ToString();
  EXPECT_EQ(host->LinkIndex("br-test").error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(host->AddBridge("br-test").ok());
  EXPECT_EQ(host->AddBridge("br-test").error().code(), ErrorCode::kAlreadyExists);
  int br = *host->LinkIndex("br-test");
  ASSERT_TRUE(host->AddAddress4(br, "10.77.0.1", 16).ok());
  ASSERT_TRUE(host->SetUp(br).ok());

  auto v = host->AddVeth("vmih-test", "eth0", guest_.get(), br, {0x02, 0x56, 0x4d, 0, 0, 7});
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  int hi = *host->LinkIndex("vmih-test");
  auto iso = host->SetBridgePortIsolated(hi);
  ASSERT_TRUE(iso.ok()) << iso.error().ToString();

  auto guest = Rtnetlink::OpenIn(guest_.get());
  ASSERT_TRUE(guest.ok());
  EXPECT_FALSE(guest->LinkIndex("vmih-test").ok());  // the host end stayed on the host
  int lo = *guest->LinkIndex("lo");
  int eth0 = *guest->LinkIndex("eth0");
  ASSERT_TRUE(guest->SetUp(lo).ok());
  ASSERT_TRUE(guest->AddAddress4(eth0, "10.77.0.7", 16).ok());
  ASSERT_TRUE(guest->SetUp(eth0).ok());
  auto route = guest->AddDefaultRoute4("10.77.0.1");
  ASSERT_TRUE(route.ok()) << route.error().ToString();
  EXPECT_EQ(guest->AddAddress4(eth0, "10.77.0", 16).error().code(), ErrorCode::kInvalidArgument);

  // What the guest sees: the host end is enslaved to the bridge and isolated,
  // the address is bound, and a default route picks it as the source.
  EXPECT_EQ(*host->LinkIndex("vmih-test"), hi);
  In(guest_.get(), [] {
    UniqueFd s(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in far{};
    far.sin_family = AF_INET;
    far.sin_port = htons(53);
    inet_pton(AF_INET, "192.0.2.1", &far.sin_addr);  // TEST-NET-1: nothing is sent
    ASSERT_EQ(connect(s.get(), reinterpret_cast<sockaddr*>(&far), sizeof far), 0);
    sockaddr_in me{};
    socklen_t len = sizeof me;
    ASSERT_EQ(getsockname(s.get(), reinterpret_cast<sockaddr*>(&me), &len), 0);
    char text[INET_ADDRSTRLEN];
    EXPECT_STREQ(inet_ntop(AF_INET, &me.sin_addr, text, sizeof text), "10.77.0.7");
    EXPECT_NE(if_nametoindex("lo"), 0u);
  });

  ASSERT_TRUE(host->DeleteLink(hi).ok());
  EXPECT_EQ(host->DeleteLink(hi).error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(guest->LinkIndex("eth0").ok());  // a veth dies in pairs
}

}  // namespace
}  // namespace vmi::runtime
