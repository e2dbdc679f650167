// The power-supply part of an instance's sysfs view: a host directory the
// runtime binds read-only over the guest's /sys/class/power_supply, laid
// out as the kernel's power_supply class is, so that UPower (through
// libudev) and anything else reading sysfs find a battery and chargers:
//
//   BAT0/  type=Battery present status capacity capacity_level technology
//          voltage_now voltage_min_design energy_full energy_full_design
//          energy_now power_now manufacturer model_name serial_number uevent
//          subsystem -> ../../../class/power_supply
//   AC/    type=Mains online uevent subsystem
//   USB/   type=USB online uevent subsystem
//
// Values are the kernel's units (percent, microvolts, microwatt-hours,
// microwatts) and words ("Charging", "Not charging"); `uevent` repeats them
// as POWER_SUPPLY_* properties as the kernel's does. The battery holds
// 15 Wh; it draws 1.5 W discharging and takes 10 W charging, so UPower's
// time estimates look like a phone's.
//
// The directory is the state: it persists with the instance and is read
// back for the API. Every file is replaced atomically (rename), so a guest
// reading during a change sees the old or the new value. The files are
// the host's (mode 0644 in a 0755 directory): the guest cannot change them.
//
// Threads: plain functions; callers serialise writes to one directory.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "devices/power/battery.h"

namespace vmi::devices::power {

// Writes the whole view for `s`.
Result<void> WritePowerSupplyView(const std::string& root, const BatteryState& s);
// The state the view holds; kNotFound when there is no view.
Result<BatteryState> ReadPowerSupplyView(const std::string& root);
// The view's state, writing the default one (100 %, full, on AC) first
// when `root` holds none yet.
Result<BatteryState> EnsurePowerSupplyView(const std::string& root);

// An instance's whole device view under `root` (runtime/core/oci_spec.h,
// InstancePaths::sysfs_view): `power_supply/` as above, and `udev/control`,
// the empty file whose presence makes the guest's libudev listen for udev
// events at all (it stays deaf in a container without it).
Result<void> EnsureSysfsView(const std::string& root);

// One device of the view as a udev event describes it: the DEVPATH (below
// /sys) and the properties of its uevent file.
struct PowerSupplyDevice {
  std::string devpath;  // "/class/power_supply/BAT0"
  std::vector<std::pair<std::string, std::string>> properties;
};
std::vector<PowerSupplyDevice> PowerSupplyDevices(const BatteryState& s);

}  // namespace vmi::devices::power
