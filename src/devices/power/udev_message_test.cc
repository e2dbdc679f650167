#include "devices/power/udev_message.h"

#include <gtest/gtest.h>

namespace vmi::devices::power {
namespace {

// The hashes libudev computes: "power_supply"'s was checked against a real
// upowerd, whose monitor's socket filter lets only a matching hash through.
TEST(UdevMessage, SubsystemHashes) {
  EXPECT_EQ(UdevStringHash("power_supply"), 0xb1acbccau);
  EXPECT_EQ(UdevStringHash("iio"), 0xd5645157u);
  EXPECT_EQ(UdevStringHash("usb_device"), 0x27f8f50cu);
  EXPECT_EQ(UdevStringHash(""), 0u);
}

TEST(UdevMessage, BytesOfAChangeEvent) {
  UdevEvent e{.action = "change",
              .devpath = "/class/power_supply/AC",
              .subsystem = "power_supply",
              .seqnum = 7,
              .properties = {{"POWER_SUPPLY_ONLINE", "1"}}};
  std::string m = UdevMonitorMessage(e);
  const std::string props =
      std::string("ACTION=change\0DEVPATH=/class/power_supply/AC\0SUBSYSTEM=power_supply\0"
                  "SEQNUM=7\0POWER_SUPPLY_ONLINE=1\0",
                  99);
  ASSERT_EQ(m.size(), 40u + props.size());
  const unsigned char header[40] = {
      'l', 'i', 'b', 'u', 'd', 'e', 'v', 0,  // prefix
      0xfe, 0xed, 0xca, 0xfe,                // magic, big-endian
      40, 0, 0, 0,                           // header size (little-endian host)
      40, 0, 0, 0,                           // properties offset
      99, 0, 0, 0,                           // properties length
      0xb1, 0xac, 0xbc, 0xca,                // subsystem hash, big-endian
      0, 0, 0, 0,                            // no devtype
      0, 0, 0, 0, 0, 0, 0, 0,                // no tags
  };
  EXPECT_EQ(m.substr(0, 40), std::string(reinterpret_cast<const char*>(header), 40));
  EXPECT_EQ(m.substr(40), props);
}

TEST(UdevMessage, DevtypeIsHashedAndListed) {
  UdevEvent e{.action = "add", .devpath = "/devices/x", .subsystem = "usb", .devtype = "usb_device"};
  std::string m = UdevMonitorMessage(e);
  EXPECT_EQ(static_cast<unsigned char>(m[28]), 0x27);
  EXPECT_EQ(static_cast<unsigned char>(m[31]), 0x0c);
  EXPECT_NE(m.find(std::string("DEVTYPE=usb_device\0", 19)), std::string::npos);
}

}  // namespace
}  // namespace vmi::devices::power
