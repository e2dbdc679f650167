#include "devices/power/power_supply_view.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "base/file.h"

namespace vmi::devices::power {

namespace {

constexpr int64_t kEnergyFull = 15'000'000;  // µWh
constexpr int64_t kVoltage = 3'850'000;      // µV
constexpr int64_t kVoltageMin = 3'400'000;   // µV
constexpr int64_t kChargePower = 10'000'000;   // µW
constexpr int64_t kDrainPower = 1'500'000;     // µW

const char* KernelStatus(BatteryStatus s) {
  switch (s) {
    case BatteryStatus::kCharging: return "Charging";
    case BatteryStatus::kDischarging: return "Discharging";
    case BatteryStatus::kFull: return "Full";
    case BatteryStatus::kNotCharging: return "Not charging";
  }
  return "Unknown";
}

const char* CapacityLevel(const BatteryState& s) {
  if (s.status == BatteryStatus::kFull) return "Full";
  if (s.level <= 5) return "Critical";
  if (s.level <= 15) return "Low";
  return "Normal";
}

using Properties = std::vector<std::pair<std::string, std::string>>;

// The attributes of each device, in the kernel's order; the uevent file
// lists them again as POWER_SUPPLY_<NAME>.
std::vector<std::pair<std::string, Properties>> Devices(const BatteryState& s) {
  int64_t power = s.status == BatteryStatus::kCharging      ? kChargePower
                  : s.status == BatteryStatus::kDischarging ? kDrainPower
                                                            : 0;
  Properties bat = {
      {"type", "Battery"},
      {"status", KernelStatus(s.status)},
      {"present", "1"},
      {"technology", "Li-ion"},
      {"voltage_min_design", std::to_string(kVoltageMin)},
      {"voltage_now", std::to_string(kVoltage)},
      {"power_now", std::to_string(power)},
      {"energy_full_design", std::to_string(kEnergyFull)},
      {"energy_full", std::to_string(kEnergyFull)},
      {"energy_now", std::to_string(kEnergyFull * s.level / 100)},
      {"capacity", std::to_string(s.level)},
      {"capacity_level", CapacityLevel(s)},
      {"model_name", "vmi battery"},
      {"manufacturer", "vmi"},
      {"serial_number", "0001"},
  };
  Properties ac = {{"type", "Mains"}, {"online", s.source == PowerSource::kAc ? "1" : "0"}};
  Properties usb = {{"type", "USB"}, {"online", s.source == PowerSource::kUsb ? "1" : "0"}};
  return {{"BAT0", bat}, {"AC", ac}, {"USB", usb}};
}

Properties UeventProperties(const std::string& name, const Properties& attrs) {
  Properties out = {{"POWER_SUPPLY_NAME", name}};
  for (const auto& [k, v] : attrs) {
    std::string key = "POWER_SUPPLY_";
    for (char c : k) key += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    out.emplace_back(key, v);
  }
  return out;
}

Result<std::string> ReadAttr(const std::string& root, const std::string& dev, const char* attr) {
  auto text = ReadFile(root + "/" + dev + "/" + attr, 4096);
  if (!text.ok()) return std::move(text).error();
  return std::string(Trim(*text));
}

}  // namespace

Result<void> WritePowerSupplyView(const std::string& root, const BatteryState& s) {
  VMI_CHECK_OK(MakeDirs(root, 0755), "power supply view");
  for (const auto& [name, attrs] : Devices(s)) {
    std::string dir = root + "/" + name;
    VMI_CHECK_OK(MakeDirs(dir, 0755), "power supply view");
    // Readers may be in the middle of the old values: each file is
    // replaced whole, and the kernel's own files are never empty either.
    for (const auto& [attr, value] : attrs)
      VMI_CHECK_OK(WriteFileAtomic(dir + "/" + attr, value + "\n", 0644, /*durable=*/false),
                   "power supply view");
    std::string uevent;
    for (const auto& [k, v] : UeventProperties(name, attrs)) uevent += k + "=" + v + "\n";
    VMI_CHECK_OK(WriteFileAtomic(dir + "/uevent", uevent, 0644, /*durable=*/false),
                 "power supply view");
    std::string link = dir + "/subsystem";
    if (symlink("../../../class/power_supply", link.c_str()) != 0 && errno != EEXIST)
      return Error::FromErrno("symlink " + link);
  }
  return Ok();
}

Result<BatteryState> ReadPowerSupplyView(const std::string& root) {
  if (!IsDirectory(root + "/BAT0"))
    return Error(ErrorCode::kNotFound, "no power supply view in " + root);
  // Results are checked one by one (not VMI_TRY into a string): GCC 12
  // warns wrongly about an uninitialized string otherwise.
  auto status = ReadAttr(root, "BAT0", "status");
  auto capacity = ReadAttr(root, "BAT0", "capacity");
  auto ac = ReadAttr(root, "AC", "online");
  auto usb = ReadAttr(root, "USB", "online");
  for (auto* r : {&status, &capacity, &ac, &usb})
    if (!r->ok()) return r->error();
  BatteryState s;
  bool known = false;
  for (auto v : {BatteryStatus::kCharging, BatteryStatus::kDischarging, BatteryStatus::kFull,
                 BatteryStatus::kNotCharging}) {
    if (*status == KernelStatus(v)) {
      s.status = v;
      known = true;
    }
  }
  if (!known) return Error(ErrorCode::kInternal, "battery status '" + *status + "' in " + root);
  const std::string& c = *capacity;
  auto [p, ec] = std::from_chars(c.data(), c.data() + c.size(), s.level);
  if (ec != std::errc() || p != c.data() + c.size() || s.level < 0 || s.level > 100)
    return Error(ErrorCode::kInternal, "battery capacity '" + c + "' in " + root);
  s.source = *ac == "1"    ? PowerSource::kAc
             : *usb == "1" ? PowerSource::kUsb
                           : PowerSource::kNone;
  return s;
}

Result<BatteryState> EnsurePowerSupplyView(const std::string& root) {
  auto s = ReadPowerSupplyView(root);
  if (s.ok() || s.error().code() != ErrorCode::kNotFound) return s;
  BatteryState fresh;
  VMI_CHECK_OK(WritePowerSupplyView(root, fresh), "new power supply view");
  return fresh;
}

Result<void> EnsureSysfsView(const std::string& root) {
  VMI_CHECK_OK(MakeDirs(root + "/udev", 0755), "device view");
  if (!PathExists(root + "/udev/control"))
    VMI_CHECK_OK(WriteFileAtomic(root + "/udev/control", "", 0644), "device view");
  VMI_CHECK_OK(EnsurePowerSupplyView(root + "/power_supply"), "device view");
  return Ok();
}

std::vector<PowerSupplyDevice> PowerSupplyDevices(const BatteryState& s) {
  std::vector<PowerSupplyDevice> out;
  for (const auto& [name, attrs] : Devices(s))
    out.push_back({"/class/power_supply/" + name, UeventProperties(name, attrs)});
  return out;
}

}  // namespace vmi::devices::power
