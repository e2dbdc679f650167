#include "devices/power/power_supply_view.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/file.h"
#include "base/temp_dir.h"

namespace vmi::devices::power {
namespace {

std::string Attr(const std::string& root, const std::string& path) {
  auto t = ReadFile(root + "/" + path);
  return t.ok() ? *t : "<" + t.error().ToString() + ">";
}

TEST(PowerSupplyView, WritesTheKernelsLayoutAndReadsItBack) {
  auto tmp = TempDir::Create("vmi-power");
  ASSERT_TRUE(tmp.ok());
  std::string root = tmp->path() + "/power_supply";
  EXPECT_EQ(ReadPowerSupplyView(root).error().code(), ErrorCode::kNotFound);
  auto fresh = EnsurePowerSupplyView(root);
  ASSERT_TRUE(fresh.ok()) << fresh.error().ToString();
  EXPECT_EQ(*fresh, BatteryState{});

  BatteryState s{.level = 37, .status = BatteryStatus::kDischarging, .source = PowerSource::kNone};
  ASSERT_TRUE(WritePowerSupplyView(root, s).ok());
  EXPECT_EQ(Attr(root, "BAT0/type"), "Battery\n");
  EXPECT_EQ(Attr(root, "BAT0/status"), "Discharging\n");
  EXPECT_EQ(Attr(root, "BAT0/capacity"), "37\n");
  EXPECT_EQ(Attr(root, "BAT0/energy_now"), "5550000\n");  // 37 % of 15 Wh in µWh
  EXPECT_EQ(Attr(root, "BAT0/energy_full"), "15000000\n");
  EXPECT_EQ(Attr(root, "BAT0/power_now"), "1500000\n");
  EXPECT_EQ(Attr(root, "AC/type"), "Mains\n");
  EXPECT_EQ(Attr(root, "AC/online"), "0\n");
  EXPECT_EQ(Attr(root, "USB/type"), "USB\n");
  EXPECT_EQ(Attr(root, "USB/online"), "0\n");
  std::string uevent = Attr(root, "BAT0/uevent");
  EXPECT_EQ(uevent.rfind("POWER_SUPPLY_NAME=BAT0\nPOWER_SUPPLY_TYPE=Battery\n", 0), 0u) << uevent;
  EXPECT_NE(uevent.find("POWER_SUPPLY_CAPACITY=37\n"), std::string::npos);
  char link[64] = {};
  ASSERT_GT(readlink((root + "/BAT0/subsystem").c_str(), link, sizeof link - 1), 0);
  EXPECT_STREQ(link, "../../../class/power_supply");
  // The guest may read, never write.
  struct stat st;
  ASSERT_EQ(stat((root + "/BAT0/capacity").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);

  auto back = ReadPowerSupplyView(root);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(*back, s);

  BatteryState usb{.level = 100, .status = BatteryStatus::kFull, .source = PowerSource::kUsb};
  ASSERT_TRUE(WritePowerSupplyView(root, usb).ok());
  EXPECT_EQ(Attr(root, "USB/online"), "1\n");
  EXPECT_EQ(Attr(root, "BAT0/status"), "Full\n");
  EXPECT_EQ(*ReadPowerSupplyView(root), usb);
  EXPECT_EQ(*EnsurePowerSupplyView(root), usb);  // an existing view is kept

  // No temporary files are left beside the attributes.
  auto names = ListDirectory(root + "/BAT0");
  ASSERT_TRUE(names.ok());
  for (const auto& n : *names) EXPECT_EQ(n.find(".tmp"), std::string::npos) << n;
}

TEST(PowerSupplyView, DevicesForUdevEvents) {
  BatteryState s{.level = 5, .status = BatteryStatus::kDischarging, .source = PowerSource::kNone};
  auto devs = PowerSupplyDevices(s);
  ASSERT_EQ(devs.size(), 3u);
  EXPECT_EQ(devs[0].devpath, "/class/power_supply/BAT0");
  EXPECT_EQ(devs[1].devpath, "/class/power_supply/AC");
  EXPECT_EQ(devs[2].devpath, "/class/power_supply/USB");
  bool critical = false;
  for (const auto& [k, v] : devs[0].properties)
    critical |= k == "POWER_SUPPLY_CAPACITY_LEVEL" && v == "Critical";
  EXPECT_TRUE(critical);
}

TEST(PowerSupplyView, AViewWithGarbageIsAnError) {
  auto tmp = TempDir::Create("vmi-power");
  ASSERT_TRUE(tmp.ok());
  std::string root = tmp->path();
  ASSERT_TRUE(WritePowerSupplyView(root, BatteryState{}).ok());
  ASSERT_TRUE(WriteFile(root + "/BAT0/capacity", "lots\n").ok());
  EXPECT_EQ(ReadPowerSupplyView(root).error().code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace vmi::devices::power
