#include "devices/location/location.h"

#include <cmath>

namespace vmi::devices::location {

namespace {

using nlohmann::json;

constexpr double kEarthRadius = 6371008.8;  // m, the mean radius
constexpr double kPi = 3.14159265358979323846;

Error Invalid(const std::string& message) { return Error(ErrorCode::kInvalidArgument, message); }

double Rad(double deg) { return deg * kPi / 180; }

// Great-circle distance (haversine).
double Distance(const GeoPoint& a, const GeoPoint& b) {
  double dlat = Rad(b.latitude - a.latitude), dlon = Rad(b.longitude - a.longitude);
  double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(Rad(a.latitude)) * std::cos(Rad(b.latitude)) * std::sin(dlon / 2) *
                 std::sin(dlon / 2);
  return 2 * kEarthRadius * std::asin(std::min(1.0, std::sqrt(h)));
}

// Initial bearing from a to b, degrees clockwise from north in [0, 360).
double Bearing(const GeoPoint& a, const GeoPoint& b) {
  double y = std::sin(Rad(b.longitude - a.longitude)) * std::cos(Rad(b.latitude));
  double x = std::cos(Rad(a.latitude)) * std::sin(Rad(b.latitude)) -
             std::sin(Rad(a.latitude)) * std::cos(Rad(b.latitude)) *
                 std::cos(Rad(b.longitude - a.longitude));
  double deg = std::atan2(y, x) * 180 / kPi;
  return deg < 0 ? deg + 360 : deg;
}

// The number at patch[key] within [lo, hi] (hi_open: below hi).
Result<double> Number(const json& v, const std::string& key, double lo, double hi,
                      const char* unit, bool hi_open = false) {
  if (!v.is_number()) return Invalid("\"" + key + "\" must be a number");
  double d = v.get<double>();
  if (!std::isfinite(d) || d < lo || (hi_open ? d >= hi : d > hi)) {
    char range[96];
    snprintf(range, sizeof range, "%g..%s%g", lo, hi_open ? "<" : "", hi);
    return Invalid("\"" + key + "\" must be " + range + " (" + unit + ")");
  }
  return d;
}

Result<Route> ParseRoute(const json& r, int64_t now_ms) {
  if (!r.is_object()) return Invalid("\"route\" must be an object {\"gpx\", \"speed\", \"loop\"} or null");
  Route route;
  route.start_ms = now_ms;
  bool have_gpx = false, have_speed = false;
  for (const auto& [key, v] : r.items()) {
    if (key == "gpx") {
      if (!v.is_string()) return Invalid("\"route.gpx\" must be the GPX document as a string");
      const auto& text = v.get_ref<const std::string&>();
      if (text.size() > kMaxGpxBytes) return Invalid("\"route.gpx\" is larger than 4 MiB");
      auto points = ParseGpx(text);
      if (!points.ok()) return Invalid("\"route.gpx\": " + points.error().message());
      route.points = std::move(*points);
      have_gpx = true;
    } else if (key == "speed") {
      route.speed = VMI_TRY(Number(v, "route.speed", 0, kMaxSpeed, "m/s"));
      if (route.speed <= 0) return Invalid("\"route.speed\" must be above 0 (m/s)");
      have_speed = true;
    } else if (key == "loop") {
      if (!v.is_boolean()) return Invalid("\"route.loop\" must be true or false");
      route.loop = v.get<bool>();
    } else {
      return Invalid("unknown route field \"" + key + "\" (gpx, speed, loop)");
    }
  }
  if (!have_gpx) return Invalid("\"route\" needs \"gpx\"");
  if (!have_speed) return Invalid("\"route\" needs \"speed\" (m/s)");
  return route;
}

}  // namespace

double RouteLength(const Route& r) {
  double total = 0;
  for (size_t i = 1; i < r.points.size(); ++i) total += Distance(r.points[i - 1], r.points[i]);
  return total;
}

bool RouteFinished(const Route& r, int64_t now_ms) {
  if (r.loop) return false;
  return static_cast<double>(now_ms - r.start_ms) / 1000 * r.speed >= RouteLength(r);
}

Fix PositionAt(const LocationState& s, int64_t now_ms) {
  if (!s.route) return s.fix;
  const Route& r = *s.route;
  Fix f = s.fix;
  if (r.points.empty()) return f;
  double length = RouteLength(r);
  double along = std::max<double>(0, static_cast<double>(now_ms - r.start_ms)) / 1000 * r.speed;
  bool finished = false;
  if (length <= 0) {
    finished = !r.loop;
    along = 0;
  } else if (r.loop) {
    along = std::fmod(along, length);
  } else if (along >= length) {
    along = length;
    finished = true;
  }
  size_t i = 1;
  double start = 0;
  for (; i < r.points.size(); ++i) {
    double seg = Distance(r.points[i - 1], r.points[i]);
    if (start + seg >= along || i + 1 == r.points.size()) {
      const GeoPoint& a = r.points[i - 1];
      const GeoPoint& b = r.points[i];
      double t = seg > 0 ? std::clamp((along - start) / seg, 0.0, 1.0) : 1.0;
      f.latitude = a.latitude + (b.latitude - a.latitude) * t;
      f.longitude = a.longitude + (b.longitude - a.longitude) * t;
      if (a.altitude && b.altitude)
        f.altitude = *a.altitude + (*b.altitude - *a.altitude) * t;
      else
        f.altitude = t < 0.5 ? a.altitude : b.altitude;
      f.heading = seg > 0 ? Bearing(a, b) : f.heading;
      f.speed = finished ? 0 : r.speed;
      return f;
    }
    start += seg;
  }
  // A single point.
  f.latitude = r.points[0].latitude;
  f.longitude = r.points[0].longitude;
  f.altitude = r.points[0].altitude;
  f.speed = 0;
  return f;
}

Result<LocationState> ApplyLocationPatch(const LocationState& current, const json& patch,
                                         int64_t now_ms) {
  if (!patch.is_object()) return Invalid("the location must be a JSON object");
  if (patch.empty())
    return Invalid("give a position (latitude, longitude, ...) or a route");
  LocationState next = current;
  if (patch.contains("route")) {
    if (patch.size() > 1)
      return Invalid("give either a position or a \"route\", not both");
    const json& r = patch["route"];
    if (r.is_null()) {
      // Stop where the route is now.
      next.fix = PositionAt(current, now_ms);
      next.fix.speed = 0;
      next.route.reset();
      return next;
    }
    next.route = VMI_TRY(ParseRoute(r, now_ms));
    next.fix.speed = 0;
    next.has_fix = true;
    return next;
  }
  // A position: from where the instance is now (a playing route stops).
  next.fix = PositionAt(current, now_ms);
  next.route.reset();
  bool lat = false, lon = false;
  for (const auto& [key, v] : patch.items()) {
    if (key == "latitude") {
      next.fix.latitude = VMI_TRY(Number(v, key, -90, 90, "degrees"));
      lat = true;
    } else if (key == "longitude") {
      next.fix.longitude = VMI_TRY(Number(v, key, -180, 180, "degrees"));
      lon = true;
    } else if (key == "altitude") {
      if (v.is_null())
        next.fix.altitude.reset();
      else
        next.fix.altitude = VMI_TRY(Number(v, key, -1000, 100000, "m"));
    } else if (key == "accuracy") {
      next.fix.accuracy = VMI_TRY(Number(v, key, 0, 100000, "m"));
    } else if (key == "speed") {
      next.fix.speed = VMI_TRY(Number(v, key, 0, kMaxSpeed, "m/s"));
    } else if (key == "heading") {
      next.fix.heading = VMI_TRY(Number(v, key, 0, 360, "degrees", true));
    } else {
      return Invalid("unknown location field \"" + key +
                     "\" (latitude, longitude, altitude, accuracy, speed, heading, route)");
    }
  }
  if (!current.has_fix && !(lat && lon))
    return Invalid("the first position needs \"latitude\" and \"longitude\"");
  next.has_fix = true;
  return next;
}

namespace {

json FixJson(const Fix& f) {
  return {{"latitude", f.latitude},
          {"longitude", f.longitude},
          {"altitude", f.altitude ? json(*f.altitude) : json(nullptr)},
          {"accuracy", f.accuracy},
          {"speed", f.speed},
          {"heading", f.heading}};
}

}  // namespace

json ToJson(const LocationState& s, int64_t now_ms) {
  if (!s.has_fix) return {{"fix", false}};
  json out = FixJson(PositionAt(s, now_ms));
  out["fix"] = true;
  if (s.route) {
    double length = RouteLength(*s.route);
    double along = std::max<double>(0, static_cast<double>(now_ms - s.route->start_ms)) / 1000 *
                   s.route->speed;
    if (s.route->loop && length > 0)
      along = std::fmod(along, length);
    else
      along = std::min(along, length);
    out["route"] = {{"points", s.route->points.size()},
                    {"length_m", length},
                    {"travelled_m", along},
                    {"speed", s.route->speed},
                    {"loop", s.route->loop},
                    {"finished", RouteFinished(*s.route, now_ms)}};
  }
  return out;
}

json ToStateJson(const LocationState& s) {
  json out = {{"fix", s.has_fix}};
  if (!s.has_fix) return out;
  out["position"] = FixJson(s.fix);
  if (s.route) {
    json points = json::array();
    for (const auto& p : s.route->points) {
      json pt = json::array({p.latitude, p.longitude});
      if (p.altitude) pt.push_back(*p.altitude);
      points.push_back(std::move(pt));
    }
    out["route"] = {{"points", std::move(points)},
                    {"speed", s.route->speed},
                    {"loop", s.route->loop},
                    {"start_ms", s.route->start_ms}};
  }
  return out;
}

Result<LocationState> FromStateJson(const json& j) {
  LocationState s;
  try {
    s.has_fix = j.at("fix").get<bool>();
    if (!s.has_fix) return s;
    const json& p = j.at("position");
    s.fix.latitude = p.at("latitude").get<double>();
    s.fix.longitude = p.at("longitude").get<double>();
    if (!p.at("altitude").is_null()) s.fix.altitude = p.at("altitude").get<double>();
    s.fix.accuracy = p.at("accuracy").get<double>();
    s.fix.speed = p.at("speed").get<double>();
    s.fix.heading = p.at("heading").get<double>();
    if (j.contains("route")) {
      const json& r = j["route"];
      Route route;
      for (const auto& pt : r.at("points")) {
        GeoPoint g{pt.at(0).get<double>(), pt.at(1).get<double>(), std::nullopt};
        if (pt.size() > 2) g.altitude = pt.at(2).get<double>();
        route.points.push_back(g);
      }
      route.speed = r.at("speed").get<double>();
      route.loop = r.at("loop").get<bool>();
      route.start_ms = r.at("start_ms").get<int64_t>();
      s.route = std::move(route);
    }
  } catch (const json::exception& e) {
    return Error(ErrorCode::kInternal, std::string("location state: ") + e.what());
  }
  return s;
}

}  // namespace vmi::devices::location
