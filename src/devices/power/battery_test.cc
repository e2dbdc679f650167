#include "devices/power/battery.h"

#include <gtest/gtest.h>

namespace vmi::devices::power {
namespace {

using nlohmann::json;

TEST(Battery, DefaultIsFullOnAc) {
  BatteryState s;
  EXPECT_EQ(ToJson(s), (json{{"level", 100}, {"status", "full"}, {"source", "ac"}}));
}

TEST(Battery, StatusFollowsTheSourceUnlessGiven) {
  BatteryState s;
  auto a = ApplyBatteryPatch(s, json{{"level", 40}});
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  EXPECT_EQ(a->status, BatteryStatus::kCharging);
  auto b = ApplyBatteryPatch(*a, json{{"source", "none"}});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->status, BatteryStatus::kDischarging);
  EXPECT_EQ(b->level, 40);
  auto c = ApplyBatteryPatch(*b, json{{"source", "usb"}, {"level", 100}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->status, BatteryStatus::kFull);
  EXPECT_EQ(c->source, PowerSource::kUsb);
  auto d = ApplyBatteryPatch(*c, json{{"level", 80}, {"status", "not-charging"}});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->status, BatteryStatus::kNotCharging);
  EXPECT_EQ(ToJson(*d), (json{{"level", 80}, {"status", "not-charging"}, {"source", "usb"}}));
}

TEST(Battery, BadPatchesAreRefusedAndNameTheField) {
  BatteryState s;
  struct Case {
    json patch;
    const char* says;
  } cases[] = {
      {json{{"level", 101}}, "level"},
      {json{{"level", -1}}, "level"},
      {json{{"level", 50.5}}, "level"},
      {json{{"level", "50"}}, "level"},
      {json{{"status", "exploding"}}, "status"},
      {json{{"status", 1}}, "status"},
      {json{{"source", "solar"}}, "source"},
      {json{{"voltage", 3}}, "unknown battery field \"voltage\""},
      {json::object(), "at least one"},
      {json::array(), "object"},
      {json{{"source", "none"}, {"status", "charging"}}, "only on a power source"},
      {json{{"source", "none"}, {"status", "full"}}, "only on a power source"},
  };
  for (const auto& c : cases) {
    auto r = ApplyBatteryPatch(s, c.patch);
    ASSERT_FALSE(r.ok()) << c.patch.dump();
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message().find(c.says), std::string::npos)
        << c.patch.dump() << ": " << r.error().message();
  }
}

}  // namespace
}  // namespace vmi::devices::power
