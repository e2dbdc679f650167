// The writable layer's disk image on a real loop device (root only): a hard
// size that ends in ENOSPC, statfs reporting the image's size, and a loop
// device that detaches itself when unmounted.
#include "runtime/core/disk_image.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <string>

#include "base/file.h"
#include "base/temp_dir.h"
#include "runtime/core/rootfs.h"

namespace vmi::runtime {
namespace {

// The loop devices whose backing file is `image`.
int LoopsBacking(const std::string& image) {
  int n = 0;
  for (int i = 0; i < 256; ++i) {
    auto f = ReadFile("/sys/block/loop" + std::to_string(i) + "/loop/backing_file");
    if (f.ok() && Trim(*f) == image) ++n;
  }
  return n;
}

TEST(DiskImageTest, HardSizeAndCleanup) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (loop devices, mount)";
  auto tmp = TempDir::Create("vmi-disk");
  ASSERT_TRUE(tmp.ok());
  std::string image = tmp->path() + "/disk.img", mnt = tmp->path() + "/disk";
  ASSERT_TRUE(CreateDiskImage(image, 64 << 20, 1000000).ok());
  EXPECT_FALSE(CreateDiskImage(image, 64 << 20, 1000000).ok()) << "must not overwrite";
  auto m = MountDiskImage(image, mnt);
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  ASSERT_TRUE(MountDiskImage(image, mnt).ok()) << "idempotent";
  EXPECT_EQ(LoopsBacking(image), 1);
  struct stat st;
  ASSERT_EQ(stat(mnt.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1000000u) << "the guest's root owns the layer";
  struct statvfs vfs;
  ASSERT_EQ(statvfs(mnt.c_str(), &vfs), 0);
  uint64_t size = static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize;
  EXPECT_LE(size, 64u << 20);
  EXPECT_GT(size, 40u << 20);

  // Fill it: the write ends in ENOSPC, well before the host's disk.
  int fd = open((mnt + "/fill").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  std::string block(1 << 20, 'x');
  int err = 0;
  size_t written = 0;
  for (int i = 0; i < 200 && err == 0; ++i) {
    ssize_t n = write(fd, block.data(), block.size());
    if (n < 0) err = errno;
    else written += static_cast<size_t>(n);
  }
  close(fd);
  EXPECT_EQ(err, ENOSPC);
  EXPECT_LE(written, 64u << 20);

  ASSERT_TRUE(UnmountDiskImage(mnt).ok());
  EXPECT_FALSE(IsMountPoint(mnt));
  ASSERT_TRUE(UnmountDiskImage(mnt).ok()) << "idempotent";
  // Autoclear: the loop device lets go of the file once unmounted.
  for (int i = 0; i < 50 && LoopsBacking(image) != 0; ++i) usleep(20000);
  EXPECT_EQ(LoopsBacking(image), 0);
}

}  // namespace
}  // namespace vmi::runtime
