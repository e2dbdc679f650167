#include "guest/modem/sysfs_view.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/file.h"
#include "base/temp_dir.h"

namespace vmi::guest {
namespace {

std::string Real(const std::string& p) {
  char buf[PATH_MAX];
  return realpath(p.c_str(), buf) ? std::string(buf) : std::string();
}

TEST(SysfsView, LinksResolveAsModemManagerWalksThem) {
  TempDir dir = *TempDir::Create("vmi-sysfs");
  std::string sys = dir.path() + "/sys", dev = dir.path() + "/dev";
  ASSERT_TRUE(MakeDirs(dev + "/pts").ok());
  ASSERT_TRUE(WriteFile(dev + "/pts/3", "").ok());
  SysfsViewOptions o{sys, dev, "ttyVMI0", dev + "/pts/3", 136, 3, dir.path() + "/events"};
  ASSERT_TRUE(CreateSysfsView(o).ok());
  ASSERT_TRUE(CreateSysfsView(o).ok());  // idempotent
  std::string port = Real(sys + "/class/tty/ttyVMI0");
  EXPECT_EQ(port, Real(sys) + "/devices/platform/vmi-modem.0/tty/ttyVMI0");
  EXPECT_EQ(Real(port + "/device"), Real(sys) + "/devices/platform/vmi-modem.0");
  EXPECT_EQ(Real(port + "/device/driver"), Real(sys) + "/devices/platform/vmi-modem");
  EXPECT_EQ(*ReadFile(port + "/dev"), "136:3\n");
  EXPECT_NE(ReadFile(port + "/uevent")->find("ID_MM_CANDIDATE=1"), std::string::npos);
  EXPECT_EQ(Real(dev + "/ttyVMI0"), Real(dev + "/pts/3"));
  EXPECT_EQ(*ReadFile(dir.path() + "/events"), "action=add,name=ttyVMI0,subsystem=tty\n");
}

}  // namespace
}  // namespace vmi::guest
