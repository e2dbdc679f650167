#include "devices/sensors/sensors.h"

#include <gtest/gtest.h>

namespace vmi::devices::sensors {
namespace {

using nlohmann::json;

TEST(SensorsTest, OrientationFollowsTheAccelerometer) {
  EXPECT_EQ(OrientationOf({0, 9.8, 0}, "left-up"), "normal");
  EXPECT_EQ(OrientationOf({0, -9.8, 0}, "normal"), "bottom-up");
  EXPECT_EQ(OrientationOf({-9.8, 0, 0}, "normal"), "left-up");
  EXPECT_EQ(OrientationOf({9.8, 0, 0}, "normal"), "right-up");
  // Flat, or tilted less than 35 degrees: the last one stays.
  EXPECT_EQ(OrientationOf({0, 0, 9.8}, "left-up"), "left-up");
  EXPECT_EQ(OrientationOf({0, 5, 9.8}, "right-up"), "right-up");  // 27 degrees
  EXPECT_EQ(OrientationOf({0, 8, 9.8}, "right-up"), "normal");    // 39 degrees
}

TEST(SensorsTest, CompassHeadingFollowsTheMagnetometer) {
  EXPECT_NEAR(CompassHeading({0, 22, -42}), 0, 1e-9);    // top towards north
  EXPECT_NEAR(CompassHeading({-22, 0, -42}), 90, 1e-9);  // north on the left: east
  EXPECT_NEAR(CompassHeading({0, -22, -42}), 180, 1e-9);
  EXPECT_NEAR(CompassHeading({22, 0, -42}), 270, 1e-9);
}

TEST(SensorsTest, PatchesSetWhatTheyGive) {
  SensorState s;
  auto r = ApplySensorPatch(s, {{"orientation", "left-up"}, {"light", 12.5}, {"proximity", 2}});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->orientation, "left-up");
  EXPECT_NEAR(r->accelerometer[0], -9.80665, 1e-9);
  json j = ToJson(*r);
  EXPECT_EQ(j["light"], 12.5);
  EXPECT_EQ(j["proximity_near"], true);
  EXPECT_EQ(j["gyroscope"], (json{{"x", 0.0}, {"y", 0.0}, {"z", 0.0}}));
  // Lying it flat keeps the orientation, as iio-sensor-proxy does.
  auto flat = ApplySensorPatch(*r, {{"accelerometer", {{"x", 0}, {"y", 0}, {"z", 9.81}}}});
  ASSERT_TRUE(flat.ok());
  EXPECT_EQ(flat->orientation, "left-up");
  auto back = FromJson(json::parse(ToJson(*flat).dump()));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, *flat);
}

TEST(SensorsTest, BadValuesAndUnknownSensorsAreRefused) {
  for (const json& bad : {json::object(), json{{"barometer", 1000}}, json{{"light", -1}},
                          json{{"light", "dim"}}, json{{"proximity", 101}},
                          json{{"accelerometer", {{"x", 0}, {"y", 200}, {"z", 0}}}},
                          json{{"accelerometer", {{"x", 0}, {"y", 1}}}},
                          json{{"gyroscope", {{"x", 0}, {"y", 0}, {"z", 0}, {"w", 0}}}},
                          json{{"gyroscope", 3}}, json{{"orientation", "sideways"}},
                          json{{"orientation", "normal"}, {"accelerometer", {{"x", 0}, {"y", 9}, {"z", 0}}}}}) {
    auto r = ApplySensorPatch({}, bad);
    ASSERT_FALSE(r.ok()) << bad.dump();
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << bad.dump();
  }
  auto r = ApplySensorPatch({}, {{"barometer", 1000}});
  EXPECT_NE(r.error().message().find("unknown sensor \"barometer\""), std::string::npos);
}

}  // namespace
}  // namespace vmi::devices::sensors
