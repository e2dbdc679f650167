// LocationState: where an instance's GNSS receiver says it is, as the API
// sets it (docs/devices.md, "Location"): a fixed position, or a route (a
// GPX track) travelled at a chosen speed from the moment it was set.
//
// JSON (GET/PATCH /api/v1/instances/{id}/devices/location):
//
//   {"latitude": -90..90, "longitude": -180..180, "altitude": m | null,
//    "accuracy": 0..100000 (m), "speed": 0..1000 (m/s), "heading": 0..<360}
//   {"route": {"gpx": "<gpx ...>", "speed": m/s, "loop": false}}
//   {"route": null}                          stops a route where it is
//
// A patch sets a position (latitude and longitude are needed the first
// time; the other fields keep their values) or starts a route, not both.
// A position stops a playing route. Answers carry the position now, and
// with a route its progress.
//
// The state is also the file the guest's NMEA source reads
// (`<view>/location.json`, ToStateJson/FromStateJson): a route is stored
// with its points and start time, and every reader computes the position
// for its own clock (host and guest share CLOCK_REALTIME), so a route
// plays with no timer on the host.
//
// Threads: plain values and functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "devices/location/gpx.h"

namespace vmi::devices::location {

struct Fix {
  double latitude = 0, longitude = 0;
  std::optional<double> altitude;  // m above sea level
  double accuracy = 5;             // m (horizontal, 1 sigma)
  double speed = 0;                // m/s over ground
  double heading = 0;              // degrees clockwise from true north

  bool operator==(const Fix&) const = default;
};

struct Route {
  std::vector<GeoPoint> points;
  double speed = 0;      // m/s
  bool loop = false;     // start again from the first point at the end
  int64_t start_ms = 0;  // wall clock (ms since the epoch) of the first point
};

struct LocationState {
  bool has_fix = false;  // false until a position or route is set
  Fix fix;               // the position (without a route)
  std::optional<Route> route;
};

// Limits of a route.
inline constexpr size_t kMaxGpxBytes = 4 << 20;
inline constexpr double kMaxSpeed = 1000;  // m/s

// Where `s` is at wall time `now_ms` (without a fix: a zero Fix).
Fix PositionAt(const LocationState& s, int64_t now_ms);
// Metres along the route's path at `now_ms`, and whether a non-looping
// route has reached its end.
double RouteLength(const Route& r);
bool RouteFinished(const Route& r, int64_t now_ms);

// `current` with the patch applied at `now_ms`. Unknown fields, wrong
// types, out-of-range values and malformed GPX are kInvalidArgument naming
// the field; nothing is applied then.
Result<LocationState> ApplyLocationPatch(const LocationState& current, const nlohmann::json& patch,
                                         int64_t now_ms);

// The API's view at `now_ms`.
nlohmann::json ToJson(const LocationState& s, int64_t now_ms);
// The stored state (with the route's points) and back.
nlohmann::json ToStateJson(const LocationState& s);
Result<LocationState> FromStateJson(const nlohmann::json& j);

}  // namespace vmi::devices::location
