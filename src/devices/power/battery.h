// BatteryState: what an instance's battery and chargers report, as the API
// sets it (docs/devices.md, "Battery and power").
//
// JSON (GET/PATCH /api/v1/instances/{id}/devices/battery):
//
//   {"level": 0..100, "status": "charging"|"discharging"|"full"|"not-charging",
//    "source": "ac"|"usb"|"none"}
//
// A patch sets any of the three. Without "status" the state follows the
// charger as a phone's does: on a source it is "charging" below 100 % and
// "full" at 100 %, without one "discharging". An explicit status must be
// possible: a battery charges or is full only on a source.
//
// Threads: plain values and functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"

namespace vmi::devices::power {

enum class BatteryStatus { kCharging, kDischarging, kFull, kNotCharging };
enum class PowerSource { kAc, kUsb, kNone };

struct BatteryState {
  int level = 100;  // percent
  BatteryStatus status = BatteryStatus::kFull;
  PowerSource source = PowerSource::kAc;

  bool operator==(const BatteryState&) const = default;
};

const char* BatteryStatusName(BatteryStatus s);
const char* PowerSourceName(PowerSource s);
Result<BatteryStatus> ParseBatteryStatus(std::string_view s);
Result<PowerSource> ParsePowerSource(std::string_view s);

// The status a phone shows for `level` on `source`.
BatteryStatus DerivedStatus(int level, PowerSource source);

// `current` with the patch's fields applied. Unknown fields, wrong types and
// out-of-range values are kInvalidArgument naming the field; nothing is
// applied then.
Result<BatteryState> ApplyBatteryPatch(const BatteryState& current, const nlohmann::json& patch);

nlohmann::json ToJson(const BatteryState& s);

}  // namespace vmi::devices::power
