// ParseGpx: the points of a GPX 1.0/1.1 document (a route for the
// location control, docs/devices.md), read with expat.
//
// The points are those of its tracks (<trkpt>, every segment in order);
// without tracks, of its routes (<rtept>); without either, its waypoints
// (<wpt>). Each needs lat and lon attributes in range; an <ele> child gives
// its altitude. A document with a DTD (entities), anything that is not
// well-formed XML, no points, more than kMaxGpxPoints or an element other
// than <gpx> at the top is kInvalidArgument saying where.
//
// Threads: plain functions.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vmi::devices::location {

struct GeoPoint {
  double latitude = 0, longitude = 0;
  std::optional<double> altitude;

  bool operator==(const GeoPoint&) const = default;
};

inline constexpr size_t kMaxGpxPoints = 100000;

Result<std::vector<GeoPoint>> ParseGpx(std::string_view xml);

}  // namespace vmi::devices::location
