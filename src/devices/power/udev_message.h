// The message udevd multicasts to libudev monitors after it processed a
// kernel uevent, which is what UPower and every other libudev client wait
// on (systemd's sd-device monitor, NETLINK_KOBJECT_UEVENT group 2 "udev"):
//
//   offset size  field
//   0      8     "libudev\0"
//   8      4     magic 0xfeedcafe                        (big-endian)
//   12     4     header size, 40                         (host order)
//   16     4     offset of the properties, 40            (host order)
//   20     4     length of the properties                (host order)
//   24     4     MurmurHash2(subsystem, seed 0)          (big-endian)
//   28     4     MurmurHash2(devtype, seed 0) or 0       (big-endian)
//   32     4     tag bloom filter, high word, 0 (no tags)
//   36     4     tag bloom filter, low word, 0
//   40     n     "KEY=value\0" for every property
//
// Receivers drop a message without ACTION, DEVPATH, SUBSYSTEM and a
// non-zero SEQNUM, one from a sender whose uid (in the receiver's user
// namespace) is not 0, and, in a container, every one unless
// /run/udev/control exists (libudev's sign that a udev runs). The kernel
// filters by the hashes before a monitor is even woken, so they must
// match what the receiver computes.
//
// Threads: plain functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vmi::devices::power {

inline constexpr uint32_t kUdevMonitorMagic = 0xfeedcafe;
inline constexpr size_t kUdevHeaderSize = 40;

// MurmurHash2 (32-bit, seed 0) over the bytes of `s`, as libudev hashes
// subsystem and devtype names for its socket filters.
uint32_t UdevStringHash(std::string_view s);

struct UdevEvent {
  std::string action;     // "change"
  std::string devpath;    // below /sys, "/class/power_supply/BAT0"
  std::string subsystem;  // "power_supply"
  std::string devtype;    // usually empty
  uint64_t seqnum = 1;
  std::vector<std::pair<std::string, std::string>> properties;  // more KEY=value
};

std::string UdevMonitorMessage(const UdevEvent& e);

}  // namespace vmi::devices::power
