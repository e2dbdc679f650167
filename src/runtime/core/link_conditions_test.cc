#include "runtime/core/link_conditions.h"

#include <gtest/gtest.h>

namespace vmi::runtime {
namespace {

using nlohmann::json;

TEST(LinkConditions, ProfilesThenFieldsOnTop) {
  auto c = ApplyLinkPatch({}, json{{"profile", "3g"}, {"loss_percent", 2.5}});
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->bandwidth_kbit, 2000);
  EXPECT_EQ(c->delay_ms, 80);
  EXPECT_EQ(c->loss_percent, 2.5);
  EXPECT_EQ(ToJson(*c)["profile"], "custom");
  auto g = ApplyLinkPatch(*c, json{{"profile", "4g"}});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(ToJson(*g)["profile"], "4g");
  auto off = ApplyLinkPatch(*g, json{{"offline", true}});
  ASSERT_TRUE(off.ok());
  EXPECT_TRUE(off->offline);
  EXPECT_EQ(off->delay_ms, 40);  // the rest is kept
  auto none = ApplyLinkPatch(*off, json{{"profile", "none"}});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->Active());
  EXPECT_EQ(ToJson(*none),
            (json{{"profile", "none"}, {"bandwidth_kbit", 0}, {"delay_ms", 0}, {"jitter_ms", 0},
                  {"loss_percent", 0.0}, {"offline", false}}));
}

TEST(LinkConditions, RoundTripsThroughJson) {
  LinkConditions c{.bandwidth_kbit = 512, .delay_ms = 30, .jitter_ms = 5, .loss_percent = 1};
  auto back = LinkConditionsFromJson(ToJson(c));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(*back, c);
  EXPECT_EQ(*LinkConditionsFromJson(ToJson(LinkConditions{})), LinkConditions{});
}

TEST(LinkConditions, BadPatchesNameTheField) {
  struct Case {
    json patch;
    const char* says;
  } cases[] = {
      {json{{"delay_ms", -1}}, "delay_ms"},
      {json{{"delay_ms", 10001}}, "delay_ms"},
      {json{{"delay_ms", 1.5}}, "delay_ms"},
      {json{{"bandwidth_kbit", "fast"}}, "bandwidth_kbit"},
      {json{{"bandwidth_kbit", 10000001}}, "bandwidth_kbit"},
      {json{{"loss_percent", 101}}, "loss_percent"},
      {json{{"loss_percent", -0.1}}, "loss_percent"},
      {json{{"offline", "yes"}}, "offline"},
      {json{{"profile", "5g"}}, "profile"},
      {json{{"profile", 3}}, "profile"},
      {json{{"delay_ms", 10}, {"jitter_ms", 20}}, "must not exceed"},
      {json{{"mtu", 1500}}, "unknown network field \"mtu\""},
      {json::object(), "at least one"},
      {json(5), "object"},
  };
  for (const auto& c : cases) {
    auto r = ApplyLinkPatch({}, c.patch);
    ASSERT_FALSE(r.ok()) << c.patch.dump();
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message().find(c.says), std::string::npos)
        << c.patch.dump() << ": " << r.error().message();
  }
}

}  // namespace
}  // namespace vmi::runtime
