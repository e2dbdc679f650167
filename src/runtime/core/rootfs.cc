#include "runtime/core/rootfs.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <utility>

#include "base/child_process.h"
#include "base/file.h"

namespace vmi::runtime {
namespace {

int UnshareUserAndWait(void*) {
  // Runs in the forked child before exec: become a new user namespace, then
  // exec a program that waits, so the parent can map ids and open the ns.
  return unshare(CLONE_NEWUSER) == 0 ? 0 : errno;
}

}  // namespace

Result<UniqueFd> CreateUserNamespace(uint32_t base, uint32_t count) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return Error::FromErrno("pipe2");
  UniqueFd rd(p[0]), wr(p[1]);
  SpawnOptions o;
  o.pre_exec = UnshareUserAndWait;
  o.stdin_fd = rd.get();
  // `sleep` would do too; reading stdin until the parent closes it is exact.
  auto child = VMI_TRY_CTX(ChildProcess::Spawn({"/bin/cat"}, o), "spawn user namespace holder");
  rd.reset();
  std::string map = "0 " + std::to_string(base) + " " + std::to_string(count) + "\n";
  std::string proc = "/proc/" + std::to_string(child.pid());
  VMI_CHECK_OK(WriteFile(proc + "/uid_map", map), "map uids");
  VMI_CHECK_OK(WriteFile(proc + "/gid_map", map), "map gids");
  UniqueFd ns(open((proc + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns) return Error::FromErrno("open user namespace");
  wr.reset();
  child.WaitOrKill(std::chrono::seconds(2)).ok();
  return ns;
}

Result<int> SharedUserNamespace(uint32_t base, uint32_t count) {
  // Never destroyed: borrowed fds must outlive every caller, static
  // destructors included. One entry per slot ever started.
  static std::mutex* mu = new std::mutex;
  static auto* cache = new std::map<std::pair<uint32_t, uint32_t>, UniqueFd>;
  std::lock_guard lock(*mu);
  auto& fd = (*cache)[{base, count}];
  if (!fd) {
    auto made = CreateUserNamespace(base, count);
    if (!made.ok()) {
      cache->erase({base, count});
      return std::move(made).error();
    }
    fd = std::move(*made);
  }
  return fd.get();
}

Result<void> IdmappedBind(const std::string& source, const std::string& target, int userns_fd) {
  UniqueFd tree(static_cast<int>(syscall(SYS_open_tree, AT_FDCWD, source.c_str(),
                                          OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)));
  if (!tree) return Error::FromErrno("open_tree " + source);
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  attr.userns_fd = static_cast<uint64_t>(userns_fd);
  if (syscall(SYS_mount_setattr, tree.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) != 0)
    return Error::FromErrno("idmap " + source);
  if (syscall(SYS_move_mount, tree.get(), "", AT_FDCWD, target.c_str(),
              MOVE_MOUNT_F_EMPTY_PATH) != 0)
    return Error::FromErrno("move_mount to " + target);
  return Ok();
}

bool IsMountPoint(const std::string& path) {
  struct stat a, b;
  if (stat(path.c_str(), &a) != 0) return false;
  if (stat((path + "/..").c_str(), &b) != 0) return false;
  if (a.st_dev != b.st_dev) return true;
  // Same device: a bind of the same file system; look in mountinfo.
  auto info = ReadFile("/proc/self/mountinfo");
  if (!info.ok()) return false;
  for (const auto& line : Split(*info, '\n')) {
    auto f = Split(line, ' ');
    if (f.size() > 4 && f[4] == path) return true;
  }
  return false;
}

Result<void> MountRootfs(const RootfsLayout& l, uint32_t uid_base, uint32_t uid_count) {
  if (IsMountPoint(l.merged)) return Ok();
  for (const auto* dir : {&l.lower, &l.upper, &l.work, &l.merged})
    VMI_CHECK_OK(MakeDirs(*dir, 0755), "prepare rootfs");
  // The writable layer belongs to the guest's root.
  for (const auto* dir : {&l.upper, &l.work}) {
    if (chown(dir->c_str(), uid_base, uid_base) != 0) return Error::FromErrno("chown " + *dir);
  }
  if (!IsMountPoint(l.lower)) {
    int ns = VMI_TRY_CTX(SharedUserNamespace(uid_base, uid_count), "idmap image");
    VMI_CHECK_OK(IdmappedBind(l.image_rootfs, l.lower, ns), "idmap image");
  }
  std::string opts = "lowerdir=" + l.lower + ",upperdir=" + l.upper + ",workdir=" + l.work;
  if (mount("overlay", l.merged.c_str(), "overlay", MS_NOSUID | MS_NODEV, opts.c_str()) != 0) {
    Error e = Error::FromErrno("mount overlay at " + l.merged);
    umount2(l.lower.c_str(), MNT_DETACH);
    return e;
  }
  return Ok();
}

Result<void> UnmountRootfs(const RootfsLayout& l) {
  for (const auto* dir : {&l.merged, &l.lower}) {
    while (IsMountPoint(*dir)) {
      if (umount2(dir->c_str(), MNT_DETACH) != 0) {
        if (errno == EINVAL || errno == ENOENT) break;
        return Error::FromErrno("unmount " + *dir);
      }
    }
  }
  return Ok();
}

}  // namespace vmi::runtime
