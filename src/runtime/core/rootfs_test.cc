#include "runtime/core/rootfs.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"
#include "base/temp_dir.h"

namespace vmi::runtime {
namespace {

// A slot's user namespace is made once: later starts of the slot reuse it
// (no holder process), and it maps what it was made for.
TEST(SharedUserNamespace, OnePerMappingAndItMapsTheRange) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (uid maps, idmapped mounts)";
  constexpr uint32_t kBase = 3000000, kCount = 65536;
  auto a = SharedUserNamespace(kBase, kCount);
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  auto again = SharedUserNamespace(kBase, kCount);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*a, *again) << "the same namespace, not a new one";
  auto other = SharedUserNamespace(kBase + kCount, kCount);
  ASSERT_TRUE(other.ok());
  struct stat sa, so;
  ASSERT_EQ(fstat(*a, &sa), 0);
  ASSERT_EQ(fstat(*other, &so), 0);
  EXPECT_NE(sa.st_ino, so.st_ino) << "another range, another namespace";

  // Seen through an idmapped mount with it, host root's file belongs to
  // the range's first uid.
  TempDir dir = TempDir::MustCreate("vmi-userns");
  const std::string src = dir.path() + "/src", dst = dir.path() + "/dst";
  ASSERT_TRUE(MakeDirs(src, 0755).ok());
  ASSERT_TRUE(MakeDirs(dst, 0755).ok());
  ASSERT_TRUE(WriteFile(src + "/f", "x").ok());
  auto bound = IdmappedBind(src, dst, *a);
  if (!bound.ok()) GTEST_SKIP() << "no idmapped mounts here: " << bound.error().ToString();
  struct stat f;
  EXPECT_EQ(stat((dst + "/f").c_str(), &f), 0);
  EXPECT_EQ(f.st_uid, kBase);
  umount2(dst.c_str(), MNT_DETACH);
}

}  // namespace
}  // namespace vmi::runtime
