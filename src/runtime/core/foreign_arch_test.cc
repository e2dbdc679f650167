#include "runtime/core/foreign_arch.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "base/temp_dir.h"

namespace vmi::runtime {
namespace {

TEST(ForeignArchTest, NamesAndQemuCpus) {
  EXPECT_EQ(NormalizeArch("aarch64"), "arm64");
  EXPECT_EQ(NormalizeArch("amd64"), "x86_64");
  EXPECT_EQ(NormalizeArch("i686"), "i386");
  EXPECT_EQ(QemuCpu("arm64"), "aarch64");
  EXPECT_EQ(QemuCpu("x86_64"), "x86_64");
}

TEST(ForeignArchTest, RulesAlwaysCarryTheFixBinaryFlag) {
  for (const char* a : {"arm64", "x86_64", "i386"}) {
    std::string rule = BinfmtRule(a);
    ASSERT_FALSE(rule.empty()) << a;
    EXPECT_EQ(rule.rfind(":qemu-" + QemuCpu(a) + ":M:", 0), 0u) << rule;
    std::string flags = rule.substr(rule.rfind(':') + 1);
    EXPECT_NE(flags.find('F'), std::string::npos) << rule;
  }
  EXPECT_EQ(BinfmtRule("z80"), "");  // no QEMU for it, no Debian rule
}

TEST(ForeignArchTest, ProbeReadsRegisteredEntries) {
  auto dir = TempDir::Create("vmi-binfmt-test");
  ASSERT_TRUE(dir.ok());
  std::string foreign = HostArch() == "arm64" ? "x86_64" : "arm64";
  std::string cpu = QemuCpu(foreign);
  ASSERT_TRUE(WriteFile(dir->path() + "/qemu-" + cpu, "enabled\ninterpreter /usr/bin/qemu-" + cpu +
                                                          "-static\nflags: F\noffset 0\n")
                  .ok());
  auto archs = ProbeArchitectures(dir->path());
  ASSERT_GE(archs.size(), 3u);
  EXPECT_EQ(archs[0].arch, HostArch());
  EXPECT_EQ(archs[0].how, "native");
  bool found = false;
  for (const auto& a : archs)
    if (a.arch == foreign) {
      found = true;
      EXPECT_TRUE(a.runnable);
      EXPECT_NE(a.how.find("fix-binary"), std::string::npos) << a.how;
    }
  EXPECT_TRUE(found);
  // Without the F flag an entry does not count (containers could not use it).
  ASSERT_TRUE(
      WriteFile(dir->path() + "/qemu-" + cpu, "enabled\ninterpreter /nonexistent\nflags: P\n")
          .ok());
  for (const auto& a : ProbeArchitectures(dir->path()))
    if (a.arch == foreign && a.how.find("fix-binary") != std::string::npos) ADD_FAILURE() << a.how;
}

}  // namespace
}  // namespace vmi::runtime
