#include "runtime/image/tar_check.h"

#include <gtest/gtest.h>

namespace vmi::image {
namespace {

TarEntry E(const std::string& path, char type = '0', const std::string& link = "") {
  TarEntry e;
  e.path = path;
  e.type = type;
  e.link = link;
  return e;
}

TEST(TarCheck, NormalizesNames) {
  EXPECT_EQ(*NormalizeMemberPath("./a//b/"), "a/b");
  EXPECT_EQ(*NormalizeMemberPath("/etc/passwd"), "etc/passwd");
  EXPECT_EQ(*NormalizeMemberPath("./"), "");
  EXPECT_EQ(*NormalizeMemberPath("a/./b"), "a/b");
  EXPECT_FALSE(NormalizeMemberPath("../x").ok());
  EXPECT_FALSE(NormalizeMemberPath("a/../../x").ok());
  EXPECT_FALSE(NormalizeMemberPath("a/..").ok());
}

TEST(TarCheck, AcceptsAnOrdinaryRootfs) {
  TarSafetyCheck c;
  for (const auto& e : {E("./", '5'), E("./bin", '2', "usr/bin"), E("./usr/", '5'),
                        E("./usr/bin/", '5'), E("./usr/bin/sh"), E("./etc/localtime", '2',
                        "/usr/share/zoneinfo/UTC"), E("./usr/lib/x/y", '2', "../../bin/sh"),
                        E("./usr/bin/dash", '1', "./usr/bin/sh"), E("./dev/", '5'),
                        E("./run/fifo", '6')}) {
    auto r = c.Check(e);
    EXPECT_TRUE(r.ok()) << e.path << ": " << r.error().ToString();
  }
  EXPECT_TRUE(c.has_member("usr/bin/sh"));
}

TEST(TarCheck, RefusesEscapes) {
  struct Case {
    std::vector<TarEntry> entries;
    const char* why;
  };
  std::vector<Case> cases = {
      {{E("../etc/passwd")}, "leaves the root"},
      {{E("a/../../etc/passwd")}, "leaves the root"},
      {{E("evil", '2', "/etc"), E("evil/passwd")}, "goes through the symlink evil"},
      {{E("d/evil", '2', "../../.."), E("x")}, "leaves the root"},
      {{E("evil", '2', "/"), E("evil/etc/shadow", '5')}, "goes through the symlink"},
      {{E("l", '1', "../outside")}, "leaves the root"},
      {{E("s", '2', "/etc"), E("h", '1', "s/passwd")}, "goes through a symlink"},
      {{E("dev/sda", '4')}, "device node"},
      {{E("dev/mem", '3')}, "device node"},
      {{E("x", '2', "")}, "empty symlink"},
  };
  for (const auto& c : cases) {
    TarSafetyCheck check;
    Result<void> r = Ok();
    for (const auto& e : c.entries) {
      r = check.Check(e);
      if (!r.ok()) break;
    }
    ASSERT_FALSE(r.ok()) << c.why;
    EXPECT_NE(r.error().ToString().find(c.why), std::string::npos) << r.error().ToString();
  }
}

TEST(TarCheck, ASymlinkReplacedByADirectoryIsNoLongerALink) {
  TarSafetyCheck c;
  ASSERT_TRUE(c.Check(E("d", '2', "/x")).ok());
  ASSERT_TRUE(c.Check(E("d", '5')).ok());
  EXPECT_TRUE(c.Check(E("d/f")).ok());
}

TEST(TarCheck, CollectsWhiteouts) {
  TarSafetyCheck c;
  ASSERT_TRUE(c.Check(E("etc/.wh.motd")).ok());
  ASSERT_TRUE(c.Check(E("var/cache/.wh..wh..opq")).ok());
  ASSERT_TRUE(c.Check(E(".wh.tmp")).ok());
  EXPECT_EQ(c.whiteouts(), (std::vector<std::string>{"etc/motd", "tmp"}));
  EXPECT_EQ(c.opaque_dirs(), (std::vector<std::string>{"var/cache"}));
  EXPECT_FALSE(TarSafetyCheck().Check(E("etc/.wh...")).ok());
}

}  // namespace
}  // namespace vmi::image
