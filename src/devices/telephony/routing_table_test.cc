#include "devices/telephony/routing_table.h"

#include <gtest/gtest.h>

#include <set>

namespace vmi::telephony {
namespace {

TEST(RoutingTable, EveryEntryIsUniqueAndNamed) {
  std::set<int> seen;
  for (const RequestPolicy& p : RequestPolicies()) {
    EXPECT_TRUE(seen.insert(p.request).second) << p.name;
    EXPECT_FALSE(p.name.empty());
  }
  for (const EventPolicy& p : EventPolicies()) {
    EXPECT_TRUE(seen.insert(p.event).second) << p.name;
    EXPECT_GE(p.event, 1000);
  }
}

TEST(RoutingTable, ThePoliciesSeed002Describes) {
  // Identity and radio state are per instance; calls and SMS may leave the
  // node; what would change a shared radio is refused.
  EXPECT_EQ(RouteOfRequest(38), RequestRoute::kService);  // GET_IMEI
  EXPECT_EQ(RouteOfRequest(19), RequestRoute::kService);  // SIGNAL_STRENGTH
  EXPECT_EQ(RouteOfRequest(22), RequestRoute::kService);  // OPERATOR
  EXPECT_EQ(RouteOfRequest(10), RequestRoute::kUplink);   // DIAL
  EXPECT_EQ(RouteOfRequest(25), RequestRoute::kUplink);   // SEND_SMS
  EXPECT_EQ(RouteOfRequest(47), RequestRoute::kRefused);  // manual network selection
  EXPECT_EQ(RouteOfRequest(99999), RequestRoute::kRefused);
  EXPECT_EQ(FindEvent(1018)->route, EventRoute::kAddressed);  // CALL_RING
  EXPECT_EQ(FindEvent(1003)->route, EventRoute::kAddressed);  // NEW_SMS
  EXPECT_EQ(FindEvent(1009)->route, EventRoute::kAll);        // SIGNAL_STRENGTH
  EXPECT_EQ(FindEvent(1006)->route, EventRoute::kForeground); // ON_USSD
  EXPECT_EQ(FindEvent(5), nullptr);
}

}  // namespace
}  // namespace vmi::telephony
