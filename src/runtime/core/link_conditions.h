// LinkConditions: the network an instance's apps should believe they are
// on - a bandwidth, a delay with jitter, a loss rate, or no network at all
// (docs/devices.md, "Network conditions"). The port policy puts them on
// the instance's link as netem qdiscs (port_policy.h, ApplyLinkConditions),
// the same both ways.
//
// JSON (GET/PATCH /api/v1/instances/{id}/devices/network):
//
//   {"profile": "custom", "bandwidth_kbit": 0..10000000 (0: not limited),
//    "delay_ms": 0..10000, "jitter_ms": 0..delay_ms, "loss_percent": 0..100,
//    "offline": bool}
//
// A patch sets any of the fields; "profile" first sets all of them from
// a named profile (none, gprs, edge, 3g, 4g, offline), then the other
// fields of the same patch apply on top. "profile" in the answer names the
// profile the conditions equal, else "custom".
//
// Threads: plain values and functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"

namespace vmi::runtime {

struct LinkConditions {
  int64_t bandwidth_kbit = 0;  // 0: not limited (beyond the owner's quota)
  int64_t delay_ms = 0;
  int64_t jitter_ms = 0;
  double loss_percent = 0;
  bool offline = false;

  // Anything other than an unimpaired link.
  bool Active() const { return *this != LinkConditions{}; }
  bool operator==(const LinkConditions&) const = default;
};

// `current` with the patch applied; kInvalidArgument naming the field for
// unknown fields, wrong types, out-of-range values, unknown profiles.
Result<LinkConditions> ApplyLinkPatch(const LinkConditions& current, const nlohmann::json& patch);
nlohmann::json ToJson(const LinkConditions& c);
// The inverse of ToJson, for the saved state.
Result<LinkConditions> LinkConditionsFromJson(const nlohmann::json& j);

}  // namespace vmi::runtime
