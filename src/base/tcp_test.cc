#include "base/tcp.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

namespace vmi {
namespace {

TEST(TcpTest, ParsesHostAndPortAndRefusesTheRest) {
  auto a = ParseHostPort("vmi-modem.vmi.svc:7072");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "vmi-modem.vmi.svc");
  EXPECT_EQ(a->port, 7072);
  auto v6 = ParseHostPort("[::1]:80");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  for (const char* bad : {"", "host", ":80", "host:", "host:65536", "host:8x", "::1:80",
                          "[::1:80", "host:123456"})
    EXPECT_FALSE(ParseHostPort(bad).ok()) << bad;
}

TEST(TcpTest, ListensAndConnectsByNameOrAddress) {
  auto listener = ListenTcp("127.0.0.1", 0);
  ASSERT_TRUE(listener.ok()) << listener.error().ToString();
  int port = BoundPort(listener->get());
  ASSERT_GT(port, 0);
  auto by_address = ConnectTcp("127.0.0.1", port, std::chrono::seconds(2));
  EXPECT_TRUE(by_address.ok());
  auto by_name = ConnectTcpByName("localhost", port, std::chrono::seconds(2));
  EXPECT_TRUE(by_name.ok()) << by_name.error().ToString();
  // ConnectTcp itself takes addresses only.
  EXPECT_EQ(ConnectTcp("localhost", port, std::chrono::seconds(2)).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_FALSE(ListenTcp("not-an-address", 0).ok());
}

}  // namespace
}  // namespace vmi
