// SensorState: what an instance's motion and environment sensors read, as
// the API sets it (docs/devices.md, "Sensors").
//
// JSON (GET/PATCH /api/v1/instances/{id}/devices/sensors):
//
//   {"accelerometer": {"x", "y", "z"},   m/s^2, each -160..160 (16 g)
//    "gyroscope":     {"x", "y", "z"},   rad/s, each -35..35
//    "magnetometer":  {"x", "y", "z"},   uT, each -5000..5000
//    "light": lux 0..200000, "proximity": cm 0..100,
//    "orientation": "normal"|"bottom-up"|"left-up"|"right-up"}   (derived)
//
// Axes are the device's (Android's and the W3C's): x to the right of the
// screen, y up it, z out of it; at rest the accelerometer reads the
// reaction to gravity, +9.81 up. A patch sets any sensors (a vector in
// whole), or "orientation" as a shortcut for the accelerometer at rest in
// that position ("face-up" and "face-down" too). The orientation follows
// the accelerometer as iio-sensor-proxy derives it: the axis gravity
// falls along, once the device is tilted more than 35 degrees from flat;
// lying flat keeps the last one. The compass heading follows the
// magnetometer (a device held flat: 0 is north, 90 east).
//
// Threads: plain values and functions.
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"

namespace vmi::devices::sensors {

using Vec3 = std::array<double, 3>;

struct SensorState {
  Vec3 accelerometer = {0, 9.81, 0};  // upright
  Vec3 gyroscope = {0, 0, 0};
  Vec3 magnetometer = {0, 22, -42};  // facing north, mid-latitudes
  double light = 300;                // lux, an office
  double proximity = 100;            // cm: nothing near
  std::string orientation = "normal";

  bool operator==(const SensorState&) const = default;
};

// Closer than this, the proximity sensor says "near".
inline constexpr double kNearCm = 5;

// The orientation an accelerometer reading gives, or `previous` when the
// device lies (nearly) flat.
std::string OrientationOf(const Vec3& accel, const std::string& previous);
// The compass heading, degrees clockwise from magnetic north, [0, 360).
double CompassHeading(const Vec3& magnetometer);

// `current` with the patch applied; unknown sensors, wrong types and
// out-of-range values are kInvalidArgument naming them.
Result<SensorState> ApplySensorPatch(const SensorState& current, const nlohmann::json& patch);

// The API's view (also the view file's content, which the guest's
// net.hadess.SensorProxy service reads: it adds "proximity_near" and
// "compass_heading").
nlohmann::json ToJson(const SensorState& s);
Result<SensorState> FromJson(const nlohmann::json& j);

}  // namespace vmi::devices::sensors
