#include "runtime/core/disk_image.h"

#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>

#include "base/child_process.h"
#include "base/file.h"
#include "base/unique_fd.h"
#include "runtime/core/rootfs.h"

namespace vmi::runtime {

namespace {

// Opens /dev/loopN, creating the node when devtmpfs has not (yet).
Result<UniqueFd> OpenLoop(int n) {
  std::string dev = "/dev/loop" + std::to_string(n);
  UniqueFd fd(open(dev.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd && errno == ENOENT) {
    if (mknod(dev.c_str(), S_IFBLK | 0600, makedev(7, n)) != 0 && errno != EEXIST)
      return Error::FromErrno("mknod " + dev);
    fd.reset(open(dev.c_str(), O_RDWR | O_CLOEXEC));
  }
  if (!fd) return Error::FromErrno("open " + dev);
  return fd;
}

}  // namespace

Result<void> CreateDiskImage(const std::string& path, int64_t bytes, uint32_t owner) {
  if (bytes < (16 << 20)) return Error(ErrorCode::kInvalidArgument, "disk image under 16 MiB");
  {
    UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) return Error::FromErrno("create " + path);
    if (ftruncate(fd.get(), bytes) != 0) {
      Error e = Error::FromErrno("size " + path);
      unlink(path.c_str());
      return e;
    }
  }
  // No reserved blocks (they would be for the host's root, not the guest's);
  // lazy initialisation keeps the sparse file small; one inode per 16 KiB.
  std::string own = std::to_string(owner) + ":" + std::to_string(owner);
  auto made = RunChecked({"mkfs.ext4", "-q", "-F", "-m", "0", "-i", "16384", "-E",
                          "lazy_itable_init=1,lazy_journal_init=1,root_owner=" + own, path},
                         {}, std::chrono::seconds(60));
  if (!made.ok()) {
    unlink(path.c_str());
    return std::move(made).error().Context("format " + path);
  }
  return Ok();
}

Result<void> MountDiskImage(const std::string& image, const std::string& mount_point) {
  if (IsMountPoint(mount_point)) return Ok();
  VMI_CHECK_OK(MakeDirs(mount_point, 0711), "disk mount point");
  UniqueFd file(open(image.c_str(), O_RDWR | O_CLOEXEC));
  if (!file) return Error::FromErrno("open " + image);
  UniqueFd control(open("/dev/loop-control", O_RDWR | O_CLOEXEC));
  if (!control) return Error::FromErrno("open /dev/loop-control");
  // Another process may take the free device between GET_FREE and
  // CONFIGURE (EBUSY): ask again.
  for (int attempt = 0; attempt < 16; ++attempt) {
    int n = ioctl(control.get(), LOOP_CTL_GET_FREE);
    if (n < 0) return Error::FromErrno("LOOP_CTL_GET_FREE");
    auto loop = VMI_TRY(OpenLoop(n));
    loop_config config;
    memset(&config, 0, sizeof config);
    config.fd = static_cast<uint32_t>(file.get());
    config.info.lo_flags = LO_FLAGS_AUTOCLEAR;
    strncpy(reinterpret_cast<char*>(config.info.lo_file_name), image.c_str(), LO_NAME_SIZE - 1);
    if (ioctl(loop.get(), LOOP_CONFIGURE, &config) != 0) {
      if (errno == EBUSY) continue;
      return Error::FromErrno("LOOP_CONFIGURE /dev/loop" + std::to_string(n));
    }
    std::string dev = "/dev/loop" + std::to_string(n);
    // noinit_itable: no background zeroing of the inode tables (64 MiB of
    // real writes for 4 GiB); groups not yet used are marked as such.
    if (mount(dev.c_str(), mount_point.c_str(), "ext4", MS_NOSUID | MS_NODEV, "noinit_itable") !=
        0)
      return Error::FromErrno("mount " + image + " at " + mount_point);
    // Closing `loop` now is right: the mount holds the device, and
    // autoclear detaches it at the last unmount.
    return Ok();
  }
  return Error(ErrorCode::kUnavailable, "no free loop device for " + image);
}

Result<void> UnmountDiskImage(const std::string& mount_point) {
  while (IsMountPoint(mount_point)) {
    if (umount2(mount_point.c_str(), MNT_DETACH) != 0) {
      if (errno == EINVAL || errno == ENOENT) break;
      return Error::FromErrno("unmount " + mount_point);
    }
  }
  return Ok();
}

}  // namespace vmi::runtime
