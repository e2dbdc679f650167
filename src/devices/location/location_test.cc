#include "devices/location/location.h"

#include <gtest/gtest.h>

#include "devices/location/nmea.h"

namespace vmi::devices::location {
namespace {

using nlohmann::json;

// Two points 1112 m apart on a meridian (0.01 degree of latitude), then
// 0.01 degree east.
constexpr const char* kGpx = R"(<?xml version="1.0"?>
<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">
 <trk><trkseg>
  <trkpt lat="48.00" lon="2.00"><ele>100</ele></trkpt>
  <trkpt lat="48.01" lon="2.00"><ele>200</ele></trkpt>
 </trkseg><trkseg>
  <trkpt lat="48.01" lon="2.01"/>
 </trkseg></trk>
</gpx>)";

TEST(GpxTest, TrackPointsInOrderWithTheirElevation) {
  auto points = ParseGpx(kGpx);
  ASSERT_TRUE(points.ok()) << points.error().ToString();
  ASSERT_EQ(points->size(), 3u);
  EXPECT_EQ((*points)[0], (GeoPoint{48.00, 2.00, 100}));
  EXPECT_EQ((*points)[1], (GeoPoint{48.01, 2.00, 200}));
  EXPECT_EQ((*points)[2], (GeoPoint{48.01, 2.01, std::nullopt}));
}

TEST(GpxTest, RoutesThenWaypointsWithoutTracks) {
  auto rte = ParseGpx(R"(<gpx><wpt lat="1" lon="1"/><rte><rtept lat="2" lon="3"/></rte></gpx>)");
  ASSERT_TRUE(rte.ok());
  EXPECT_EQ(*rte, (std::vector<GeoPoint>{{2, 3, std::nullopt}}));
  auto wpt = ParseGpx(R"(<gpx><wpt lat="-1.5" lon="179"/></gpx>)");
  ASSERT_TRUE(wpt.ok());
  EXPECT_EQ(*wpt, (std::vector<GeoPoint>{{-1.5, 179, std::nullopt}}));
}

TEST(GpxTest, MalformedDocumentsAreRefused) {
  for (const char* bad : {
           "",
           "not xml",
           "<gpx><trk><trkpt lat=\"1\" lon=\"2\"></trk></gpx>",      // not well-formed
           "<kml><trkpt lat=\"1\" lon=\"2\"/></kml>",                // not GPX
           "<gpx></gpx>",                                            // no points
           "<gpx><trkpt lat=\"91\" lon=\"2\"/></gpx>",               // out of range
           "<gpx><trkpt lat=\"1\" lon=\"-180.5\"/></gpx>",
           "<gpx><trkpt lat=\"1\"/></gpx>",                          // no lon
           "<gpx><trkpt lat=\"1x\" lon=\"2\"/></gpx>",
           "<gpx><trkpt lat=\"nan\" lon=\"2\"/></gpx>",
           "<gpx><trkpt lat=\"1\" lon=\"2\"><ele>high</ele></trkpt></gpx>",
           "<gpx><trkpt lat=\"1\" lon=\"2\"><trkpt lat=\"1\" lon=\"2\"/></trkpt></gpx>",
           "<!DOCTYPE gpx [<!ENTITY a \"aaaa\">]><gpx><wpt lat=\"1\" lon=\"2\"><name>&a;</name></wpt></gpx>",
       }) {
    auto r = ParseGpx(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << bad;
    EXPECT_NE(r.error().message().find("GPX"), std::string::npos) << r.error().message();
  }
}

TEST(LocationTest, APositionNeedsLatitudeAndLongitudeFirst) {
  LocationState s;
  EXPECT_FALSE(ApplyLocationPatch(s, {{"accuracy", 5}}, 0).ok());
  auto r = ApplyLocationPatch(s, {{"latitude", 48.5}, {"longitude", -2.25}, {"altitude", 35},
                                  {"accuracy", 50}, {"speed", 3}, {"heading", 270}},
                              0);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(ToJson(*r, 0), (json{{"fix", true}, {"latitude", 48.5}, {"longitude", -2.25},
                                 {"altitude", 35.0}, {"accuracy", 50.0}, {"speed", 3.0},
                                 {"heading", 270.0}}));
  // Later patches change only what they give.
  auto again = ApplyLocationPatch(*r, {{"altitude", nullptr}}, 0);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->fix.latitude, 48.5);
  EXPECT_FALSE(again->fix.altitude);
}

TEST(LocationTest, OutOfRangeAndUnknownFieldsAreRefused) {
  LocationState s = *ApplyLocationPatch({}, {{"latitude", 1}, {"longitude", 2}}, 0);
  for (const json& bad : {json{{"latitude", 90.5}}, json{{"latitude", "48"}},
                          json{{"longitude", -181}}, json{{"heading", 360}},
                          json{{"heading", -1}}, json{{"speed", -1}}, json{{"speed", 1001}},
                          json{{"accuracy", -2}}, json{{"altitude", 1e6}}, json{{"colour", 1}},
                          json::object(), json{{"route", 5}},
                          json{{"route", {{"speed", 1}}}},
                          json{{"route", {{"gpx", kGpx}}}},
                          json{{"route", {{"gpx", kGpx}, {"speed", 0}}}},
                          json{{"route", {{"gpx", "<gpx/>"}, {"speed", 1}}}},
                          json{{"route", {{"gpx", kGpx}, {"speed", 1}}}, {"latitude", 3}}}) {
    auto r = ApplyLocationPatch(s, bad, 0);
    ASSERT_FALSE(r.ok()) << bad.dump();
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << bad.dump();
  }
}

TEST(LocationTest, ARoutePlaysAtItsSpeedAndStopsAtItsEnd) {
  LocationState s;
  auto r = ApplyLocationPatch(s, {{"route", {{"gpx", kGpx}, {"speed", 100}}}}, 1000);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  double length = RouteLength(*r->route);
  EXPECT_NEAR(length, 1111.95 + 743.9, 2);
  // Halfway up the first segment after 5.56 s: north, at speed, altitude
  // interpolated.
  Fix f = PositionAt(*r, 1000 + 5560);
  EXPECT_NEAR(f.latitude, 48.005, 1e-4);
  EXPECT_NEAR(f.longitude, 2.00, 1e-9);
  EXPECT_NEAR(*f.altitude, 150, 1);
  EXPECT_NEAR(f.heading, 0, 0.01);
  EXPECT_EQ(f.speed, 100);
  // On the second segment: heading east.
  f = PositionAt(*r, 1000 + 15000);
  EXPECT_NEAR(f.latitude, 48.01, 1e-6);
  EXPECT_GT(f.longitude, 2.0);
  EXPECT_NEAR(f.heading, 90, 0.01);
  // At the end it stays, with no speed.
  f = PositionAt(*r, 1000 + 60000);
  EXPECT_NEAR(f.longitude, 2.01, 1e-9);
  EXPECT_EQ(f.speed, 0);
  EXPECT_TRUE(RouteFinished(*r->route, 1000 + 60000));
  json j = ToJson(*r, 1000 + 60000);
  EXPECT_EQ(j["route"]["finished"], true);
  EXPECT_EQ(j["route"]["points"], 3);

  // A loop starts again; stopping it keeps the position it had.
  auto loop = ApplyLocationPatch(s, {{"route", {{"gpx", kGpx}, {"speed", 100}, {"loop", true}}}}, 0);
  ASSERT_TRUE(loop.ok());
  int64_t lap_ms = static_cast<int64_t>(length / 100 * 1000);
  EXPECT_NEAR(PositionAt(*loop, lap_ms + 5560).latitude, 48.005, 2e-4);
  auto stopped = ApplyLocationPatch(*loop, {{"route", nullptr}}, 5560);
  ASSERT_TRUE(stopped.ok());
  EXPECT_FALSE(stopped->route);
  EXPECT_NEAR(PositionAt(*stopped, 999999).latitude, 48.005, 1e-4);
  EXPECT_EQ(PositionAt(*stopped, 999999).speed, 0);
}

TEST(LocationTest, TheStoredStateReadsBack) {
  auto r = ApplyLocationPatch({}, {{"route", {{"gpx", kGpx}, {"speed", 7.5}, {"loop", true}}}}, 42);
  ASSERT_TRUE(r.ok());
  auto back = FromStateJson(json::parse(ToStateJson(*r).dump()));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->route->points, r->route->points);
  EXPECT_EQ(back->route->start_ms, 42);
  EXPECT_EQ(back->route->loop, true);
  EXPECT_EQ(ToJson(*back, 5000), ToJson(*r, 5000));
  EXPECT_FALSE(FromStateJson(json{{"fix", true}}).ok());
  EXPECT_EQ(ToJson(*FromStateJson(json{{"fix", false}}), 0), (json{{"fix", false}}));
}

TEST(NmeaTest, SentencesGeoClueReads) {
  Fix f{48.8566, -2.3522, 35.5, 50, 10, 90};
  // 2026-12-07 14:41:21.25 UTC
  std::string s = NmeaSentences(f, 1796654481250);
  EXPECT_EQ(s,
            "$GPGGA,144121.25,4851.396000,N,00221.132000,W,1,12,10.0,35.50,M,0.0,M,,*" +
                NmeaChecksum("GPGGA,144121.25,4851.396000,N,00221.132000,W,1,12,10.0,35.50,M,0.0,M,,").substr(1) +
                "\r\n$GPRMC,144121.25,A,4851.396000,N,00221.132000,W,19.438,90.00,071226,,,A*" +
                NmeaChecksum("GPRMC,144121.25,A,4851.396000,N,00221.132000,W,19.438,90.00,071226,,,A").substr(1) +
                "\r\n");
  // A known sentence's checksum.
  EXPECT_EQ(NmeaChecksum("GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,"), "*47");
  f.altitude.reset();
  EXPECT_NE(NmeaSentences(f, 0).find(",10.0,,,0.0,M,,*"), std::string::npos);
  // Each below GeoClue's 128-byte line buffer, even at the extremes.
  Fix far{-89.9999999, -179.9999999, 99999.99, 100000, 1000, 359.99};
  std::string both = NmeaSentences(far, 0);
  size_t cr = both.find("\r\n");
  ASSERT_NE(cr, std::string::npos);
  EXPECT_LT(cr, 128u);
  EXPECT_LT(both.size() - cr - 4, 128u);
}

TEST(NmeaTest, AccuracyMapsToTheGeoClueStepAtOrAboveIt) {
  for (double acc : {0.0, 0.5, 1.0, 2.0, 3.0, 10.0, 50.0, 51.0, 100.0, 101.0, 5000.0}) {
    double reported = GeoClueAccuracy(HdopFor(acc));
    EXPECT_GE(reported, std::min(acc, 300.0)) << acc;
  }
  EXPECT_EQ(GeoClueAccuracy(HdopFor(50)), 50);
  EXPECT_EQ(GeoClueAccuracy(HdopFor(10)), 50);
  EXPECT_EQ(GeoClueAccuracy(HdopFor(3)), 3);
}

}  // namespace
}  // namespace vmi::devices::location
