#include "devices/sensors/sensors.h"

#include <cmath>

namespace vmi::devices::sensors {

namespace {

using nlohmann::json;

constexpr double kPi = 3.14159265358979323846;
constexpr double kGravity = 9.80665;

Error Invalid(const std::string& message) { return Error(ErrorCode::kInvalidArgument, message); }

Result<double> Number(const json& v, const std::string& name, double lo, double hi,
                      const char* unit) {
  if (!v.is_number()) return Invalid("\"" + name + "\" must be a number (" + unit + ")");
  double d = v.get<double>();
  if (!std::isfinite(d) || d < lo || d > hi) {
    char range[64];
    snprintf(range, sizeof range, "%g..%g", lo, hi);
    return Invalid("\"" + name + "\" must be " + range + " (" + unit + ")");
  }
  return d;
}

Result<Vec3> Vector(const json& v, const std::string& name, double limit, const char* unit) {
  if (!v.is_object()) return Invalid("\"" + name + "\" must be {\"x\", \"y\", \"z\"} (" + unit + ")");
  if (v.size() != 3 || !v.contains("x") || !v.contains("y") || !v.contains("z"))
    return Invalid("\"" + name + "\" needs exactly \"x\", \"y\" and \"z\"");
  Vec3 out;
  int i = 0;
  for (const char* axis : {"x", "y", "z"})
    out[i++] = VMI_TRY(Number(v[axis], name + "." + axis, -limit, limit, unit));
  return out;
}

json VectorJson(const Vec3& v) { return {{"x", v[0]}, {"y", v[1]}, {"z", v[2]}}; }

}  // namespace

std::string OrientationOf(const Vec3& a, const std::string& previous) {
  // The tilt of each screen axis from the horizontal plane, in degrees.
  double x_tilt = std::atan2(a[0], std::hypot(a[1], a[2])) * 180 / kPi;
  double y_tilt = std::atan2(a[1], std::hypot(a[0], a[2])) * 180 / kPi;
  constexpr double kThreshold = 35;
  if (std::fabs(x_tilt) > kThreshold) return x_tilt > 0 ? "right-up" : "left-up";
  if (std::fabs(y_tilt) > kThreshold) return y_tilt > 0 ? "normal" : "bottom-up";
  return previous;
}

double CompassHeading(const Vec3& m) {
  double deg = std::atan2(-m[0], m[1]) * 180 / kPi;
  if (deg < 0) deg += 360;
  return deg >= 360 ? 0 : deg;
}

Result<SensorState> ApplySensorPatch(const SensorState& current, const json& patch) {
  if (!patch.is_object()) return Invalid("the sensors must be a JSON object");
  if (patch.empty())
    return Invalid("give at least one sensor (accelerometer, gyroscope, magnetometer, light, "
                   "proximity) or an orientation");
  if (patch.contains("orientation") && patch.contains("accelerometer"))
    return Invalid("give \"orientation\" or \"accelerometer\", not both");
  SensorState next = current;
  for (const auto& [key, v] : patch.items()) {
    if (key == "accelerometer") {
      next.accelerometer = VMI_TRY(Vector(v, key, 160, "m/s^2"));
    } else if (key == "gyroscope") {
      next.gyroscope = VMI_TRY(Vector(v, key, 35, "rad/s"));
    } else if (key == "magnetometer") {
      next.magnetometer = VMI_TRY(Vector(v, key, 5000, "uT"));
    } else if (key == "light") {
      next.light = VMI_TRY(Number(v, key, 0, 200000, "lux"));
    } else if (key == "proximity") {
      next.proximity = VMI_TRY(Number(v, key, 0, 100, "cm"));
    } else if (key == "orientation") {
      if (!v.is_string()) return Invalid("\"orientation\" must be a string");
      const std::string& o = v.get_ref<const std::string&>();
      if (o == "normal") next.accelerometer = {0, kGravity, 0};
      else if (o == "bottom-up") next.accelerometer = {0, -kGravity, 0};
      else if (o == "left-up") next.accelerometer = {-kGravity, 0, 0};
      else if (o == "right-up") next.accelerometer = {kGravity, 0, 0};
      else if (o == "face-up") next.accelerometer = {0, 0, kGravity};
      else if (o == "face-down") next.accelerometer = {0, 0, -kGravity};
      else
        return Invalid("\"orientation\" must be normal, bottom-up, left-up, right-up, face-up or "
                       "face-down");
    } else {
      return Invalid("unknown sensor \"" + key +
                     "\" (accelerometer, gyroscope, magnetometer, light, proximity, orientation)");
    }
  }
  next.orientation = OrientationOf(next.accelerometer, current.orientation);
  return next;
}

json ToJson(const SensorState& s) {
  return {{"accelerometer", VectorJson(s.accelerometer)},
          {"gyroscope", VectorJson(s.gyroscope)},
          {"magnetometer", VectorJson(s.magnetometer)},
          {"light", s.light},
          {"proximity", s.proximity},
          {"orientation", s.orientation},
          {"proximity_near", s.proximity < kNearCm},
          {"compass_heading", CompassHeading(s.magnetometer)}};
}

Result<SensorState> FromJson(const json& j) {
  SensorState s;
  try {
    auto vec = [&](const char* key) {
      const json& v = j.at(key);
      return Vec3{v.at("x").get<double>(), v.at("y").get<double>(), v.at("z").get<double>()};
    };
    s.accelerometer = vec("accelerometer");
    s.gyroscope = vec("gyroscope");
    s.magnetometer = vec("magnetometer");
    s.light = j.at("light").get<double>();
    s.proximity = j.at("proximity").get<double>();
    s.orientation = j.at("orientation").get<std::string>();
  } catch (const json::exception& e) {
    return Error(ErrorCode::kInternal, std::string("sensor state: ") + e.what());
  }
  return s;
}

}  // namespace vmi::devices::sensors
