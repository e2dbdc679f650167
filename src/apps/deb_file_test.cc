#include "apps/deb_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "base/child_process.h"
#include "base/file.h"
#include "base/temp_dir.h"

namespace vmi::apps {
namespace {

std::string ArHeader(const std::string& name, size_t size) {
  char h[61];
  snprintf(h, sizeof h, "%-16s%-12s%-6s%-6s%-8s%-10zu`\n", name.c_str(), "0", "0", "0", "100644",
           size);
  return std::string(h, 60);
}

TEST(DebFileTest, ReadsArMembersByteForByte) {
  std::string ar = "!<arch>\n" + ArHeader("debian-binary", 4) + "2.0\n" +
                   ArHeader("control.tar.xz/", 3) + "abc" + "\n" + ArHeader("data.tar", 2) + "xy";
  auto m = ReadArMembers(ar);
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  ASSERT_EQ(m->size(), 3u);
  EXPECT_EQ((*m)[1].name, "control.tar.xz");  // GNU ar's trailing '/' dropped
  EXPECT_EQ((*m)[1].offset, 8u + 60 + 4 + 60);
  EXPECT_EQ((*m)[2].offset, 8u + 60 + 4 + 60 + 4 + 60);  // odd size padded
  EXPECT_EQ((*m)[2].size, 2u);
  EXPECT_FALSE(ReadArMembers("!<arch>\n" + ArHeader("debian-binary", 40) + "2.0\n").ok());
  EXPECT_FALSE(ReadArMembers("!<arch>\n" + ArHeader("control.tar", 0)).ok());
  EXPECT_FALSE(ReadArMembers("PK\3\4").ok());
  for (size_t n = 9; n < ar.size(); ++n) (void)ReadArMembers(ar.substr(0, n));
}

class DebCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = TempDir::Create("vmi-deb-test");
    ASSERT_TRUE(d.ok());
    dir_ = std::move(*d);
    root_ = dir_.path() + "/root";
    ASSERT_TRUE(MakeDirs(root_ + "/usr/bin").ok());
    ASSERT_TRUE(MakeDirs(root_ + "/usr/share/applications").ok());
    ASSERT_TRUE(MakeDirs(root_ + "/DEBIAN").ok());
    ASSERT_TRUE(WriteFile(root_ + "/DEBIAN/control",
                          "Package: vmi-test\nVersion: 1\nArchitecture: all\nMaintainer: t <t@t>\n"
                          "Description: test\n")
                    .ok());
    ASSERT_TRUE(WriteFile(root_ + "/usr/bin/hello", "#!/bin/sh\necho hi\n").ok());
    chmod((root_ + "/usr/bin/hello").c_str(), 0755);
    ASSERT_TRUE(WriteFile(root_ + "/usr/share/applications/hello.desktop",
                          "[Desktop Entry]\nName=Hello\nExec=hello\nType=Application\n")
                    .ok());
  }
  Result<DebCheck> Build() {
    std::string deb = dir_.path() + "/p.deb";
    unlink(deb.c_str());
    VMI_TRY(RunChecked({"dpkg-deb", "--root-owner-group", "-Zxz", "--build", root_, deb}));
    return CheckDebFile(deb, dir_.path(), 1 << 20);
  }
  TempDir dir_;
  std::string root_;
};

TEST_F(DebCheckTest, FindsDesktopEntriesAndPrograms) {
  auto r = Build();
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->desktop_entries.size(), 1u);
  EXPECT_EQ(r->desktop_entries[0], "usr/share/applications/hello.desktop");
  ASSERT_EQ(r->executables.size(), 1u);
  EXPECT_EQ(r->executables[0], "usr/bin/hello");
  EXPECT_FALSE(PathExists(dir_.path() + "/data-check.tar"));
}

TEST_F(DebCheckTest, RefusesSetuidFiles) {
  chmod((root_ + "/usr/bin/hello").c_str(), 04755);
  auto r = Build();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().ToString().find("setuid"), std::string::npos) << r.error().ToString();
}

TEST_F(DebCheckTest, RefusesDeviceNodes) {
  if (mknod((root_ + "/usr/bin/disk").c_str(), S_IFBLK | 0600, makedev(7, 0)) != 0)
    GTEST_SKIP() << "mknod needs root";
  auto r = Build();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().ToString().find("device"), std::string::npos) << r.error().ToString();
}

TEST_F(DebCheckTest, CapsTheUnpackedSize) {
  ASSERT_TRUE(WriteFile(root_ + "/usr/bin/big", std::string(2 << 20, 'x')).ok());
  auto r = Build();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kResourceExhausted);
}

}  // namespace
}  // namespace vmi::apps
