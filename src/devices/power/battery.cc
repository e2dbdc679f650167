#include "devices/power/battery.h"

namespace vmi::devices::power {

namespace {

Error Invalid(const std::string& message) { return Error(ErrorCode::kInvalidArgument, message); }

}  // namespace

const char* BatteryStatusName(BatteryStatus s) {
  switch (s) {
    case BatteryStatus::kCharging: return "charging";
    case BatteryStatus::kDischarging: return "discharging";
    case BatteryStatus::kFull: return "full";
    case BatteryStatus::kNotCharging: return "not-charging";
  }
  return "discharging";
}

const char* PowerSourceName(PowerSource s) {
  switch (s) {
    case PowerSource::kAc: return "ac";
    case PowerSource::kUsb: return "usb";
    case PowerSource::kNone: return "none";
  }
  return "none";
}

Result<BatteryStatus> ParseBatteryStatus(std::string_view s) {
  for (auto v : {BatteryStatus::kCharging, BatteryStatus::kDischarging, BatteryStatus::kFull,
                 BatteryStatus::kNotCharging})
    if (s == BatteryStatusName(v)) return v;
  return Invalid("\"status\" must be charging, discharging, full or not-charging");
}

Result<PowerSource> ParsePowerSource(std::string_view s) {
  for (auto v : {PowerSource::kAc, PowerSource::kUsb, PowerSource::kNone})
    if (s == PowerSourceName(v)) return v;
  return Invalid("\"source\" must be ac, usb or none");
}

BatteryStatus DerivedStatus(int level, PowerSource source) {
  if (source == PowerSource::kNone) return BatteryStatus::kDischarging;
  return level >= 100 ? BatteryStatus::kFull : BatteryStatus::kCharging;
}

Result<BatteryState> ApplyBatteryPatch(const BatteryState& current, const nlohmann::json& patch) {
  if (!patch.is_object()) return Invalid("the battery must be a JSON object");
  if (patch.empty()) return Invalid("give at least one of \"level\", \"status\", \"source\"");
  BatteryState next = current;
  bool status_given = false;
  for (const auto& [key, v] : patch.items()) {
    if (key == "level") {
      if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > 100)
        return Invalid("\"level\" must be an integer 0..100 (percent)");
      next.level = static_cast<int>(v.get<int64_t>());
    } else if (key == "status") {
      if (!v.is_string()) return Invalid("\"status\" must be a string");
      next.status = VMI_TRY(ParseBatteryStatus(v.get<std::string>()));
      status_given = true;
    } else if (key == "source") {
      if (!v.is_string()) return Invalid("\"source\" must be a string");
      next.source = VMI_TRY(ParsePowerSource(v.get<std::string>()));
    } else {
      return Invalid("unknown battery field \"" + key + "\" (level, status, source)");
    }
  }
  if (!status_given) {
    next.status = DerivedStatus(next.level, next.source);
  } else if (next.source == PowerSource::kNone && (next.status == BatteryStatus::kCharging ||
                                                   next.status == BatteryStatus::kFull)) {
    return Invalid(std::string("a battery is ") + BatteryStatusName(next.status) +
                   " only on a power source: set \"source\" to ac or usb");
  }
  return next;
}

nlohmann::json ToJson(const BatteryState& s) {
  return {{"level", s.level},
          {"status", BatteryStatusName(s.status)},
          {"source", PowerSourceName(s.source)}};
}

}  // namespace vmi::devices::power
