#include "runtime/core/lxcfs.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "base/child_process.h"
#include "base/file.h"
#include "base/log.h"
#include "base/pidfd.h"
#include "base/unique_fd.h"

namespace vmi::runtime {
namespace {

// What lxcfs virtualizes, relative to its mountpoint and to the guest's root.
constexpr const char* kFiles[] = {
    "proc/cpuinfo", "proc/diskstats", "proc/loadavg", "proc/meminfo",
    "proc/stat",    "proc/swaps",     "proc/uptime",  "sys/devices/system/cpu/online"};

std::string FindInPath(const std::string& name) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = getenv("PATH");
  for (const auto& dir : Split(path ? path : "/usr/bin:/bin", ':')) {
    std::string p = dir + "/" + name;
    if (access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

// The file system type mounted at `path`, from mountinfo ("" if none), and
// the mount's id (a new mount at the same path gets a new one).
std::string MountedType(const std::string& path, std::string* id = nullptr) {
  auto info = ReadFile("/proc/self/mountinfo");
  if (!info.ok()) return "";
  std::string type;
  for (const auto& line : Split(*info, '\n')) {
    auto f = Split(line, ' ');
    if (f.size() < 7 || f[4] != path) continue;
    for (size_t i = 6; i + 1 < f.size(); ++i) {
      if (f[i] == "-") {
        type = f[i + 1];  // the last mount at the path wins
        if (id) *id = f[0];
        break;
      }
    }
  }
  return type;
}

}  // namespace

bool Lxcfs::Replaced() {
  // Mount ids are reused as soon as a mount is gone, so the lxcfs process
  // (pid and start time, from the pid file it writes) completes the identity.
  std::string id;
  MountedType(options_.mountpoint, &id);
  auto pid = ReadFile(options_.mountpoint + ".pid");
  pid_t p = pid.ok() ? static_cast<pid_t>(std::atoi(pid->c_str())) : 0;
  id += ":" + std::to_string(p) + ":" + std::to_string(ProcessStartTicks(p));
  bool replaced = !serving_id_.empty() && id != serving_id_;
  serving_id_ = std::move(id);
  return replaced;
}

Lxcfs::~Lxcfs() {
  if (child_) child_->Detach();  // it outlives the daemon on purpose
}

bool Lxcfs::Alive() const {
  if (MountedType(options_.mountpoint) != "fuse.lxcfs") return false;
  // A mount whose lxcfs died answers ENOTCONN.
  struct stat st;
  return stat((options_.mountpoint + "/proc/uptime").c_str(), &st) == 0;
}

void Lxcfs::SetStatus(bool serving, std::string status) {
  std::lock_guard lock(mu_);
  serving_ = serving;
  status_ = std::move(status);
}

Result<void> Lxcfs::Start() {
  const std::string bin = FindInPath(options_.binary);
  if (bin.empty()) {
    return Error(ErrorCode::kUnavailable,
                 options_.binary + " is not installed (Debian package lxcfs)");
  }
  if (access("/dev/fuse", R_OK | W_OK) != 0) return Error::FromErrno("/dev/fuse");
  // A dead lxcfs leaves its mount behind (ENOTCONN): take it away first.
  while (!MountedType(options_.mountpoint).empty()) {
    if (umount2(options_.mountpoint.c_str(), MNT_DETACH) != 0) {
      return Error::FromErrno("unmount the stale lxcfs at " + options_.mountpoint);
    }
  }
  VMI_CHECK_OK(MakeDirs(options_.mountpoint, 0755), "lxcfs mountpoint");
  // In the foreground, in a session of its own: a daemon that stops detaches
  // it (it serves on, a later daemon adopts it); one that crashes leaves it
  // to init. --enable-cfs: CPU counts from the cfs quota, not only the
  // cpuset. -l: per-cgroup load averages. Its output goes to a log beside
  // the mountpoint.
  const std::string log = options_.mountpoint + ".log";
  UniqueFd out(open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!out) return Error::FromErrno("open " + log);
  SpawnOptions so;
  so.stdout_fd = out.get();
  so.stderr_fd = out.get();
  so.new_session = true;
  child_ = VMI_TRY_CTX(ChildProcess::Spawn({bin, "-f", "--enable-cfs", "-l", "-p",
                                            options_.mountpoint + ".pid", options_.mountpoint},
                                           so),
                       "start lxcfs");
  for (int i = 0; i < 200 && !Alive(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (!Alive()) {
    child_->WaitOrKill(std::chrono::milliseconds(0)).ok();
    child_.reset();
    return Error(ErrorCode::kUnavailable, "lxcfs started but does not serve (see " + log + ")");
  }
  return Ok();
}

bool Lxcfs::Ensure() {
  bool started = EnsureServing();
  // An adopted lxcfs that is not the one instances were bound to is as new.
  bool replaced = Replaced();
  return started || replaced;
}

bool Lxcfs::EnsureServing() {
  if (Alive()) {
    SetStatus(true, "lxcfs at " + options_.mountpoint + " (adopted)");
    return false;
  }
  auto s = Start();
  if (s.ok()) {
    SetStatus(true, "lxcfs at " + options_.mountpoint);
    VMI_LOG(INFO) << "lxcfs serves at " << options_.mountpoint;
    return true;
  } else {
    SetStatus(false, "guests see the host's /proc/meminfo, cpuinfo and cpu/online: " +
                         s.error().ToString());
    VMI_LOG(WARN) << status();
  }
  return false;
}

bool Lxcfs::Check(bool* restarted) {
  *restarted = false;
  if (!serving()) return false;
  if (Alive()) {
    // Another daemon on this node (or an operator) may have restarted it
    // first: running instances still hold the dead mount's files then.
    *restarted = Replaced();
    return true;
  }
  VMI_LOG(WARN) << "lxcfs at " << options_.mountpoint << " died; starting it again";
  if (child_) {
    child_->WaitOrKill(std::chrono::seconds(1)).ok();  // reap ours
    child_.reset();
  }
  *restarted = Ensure();
  return serving();
}

Result<void> Lxcfs::Rebind(pid_t pid) const {
  UniqueFd mntns(open(("/proc/" + std::to_string(pid) + "/ns/mnt").c_str(), O_RDONLY | O_CLOEXEC));
  if (!mntns) return Error::FromErrno("open mount namespace of " + std::to_string(pid));
  // Detached copies of the new files, made here where their path is visible.
  std::vector<std::pair<UniqueFd, std::string>> trees;
  for (const auto& [host, guest] : binds()) {
    UniqueFd tree(static_cast<int>(
        syscall(SYS_open_tree, AT_FDCWD, host.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)));
    if (!tree) return Error::FromErrno("open_tree " + host);
    trees.emplace_back(std::move(tree), guest);
  }
  // Entering a mount namespace needs a thread that does not share its file
  // system context (root, cwd) with the others.
  Result<void> result;
  std::thread([&] {
    if (unshare(CLONE_FS) != 0 || setns(mntns.get(), CLONE_NEWNS) != 0) {
      result = Error::FromErrno("enter mount namespace of " + std::to_string(pid));
      return;
    }
    for (auto& [tree, guest] : trees) {
      umount2(guest.c_str(), MNT_DETACH);  // the dead lxcfs file; absent is fine
      if (syscall(SYS_move_mount, tree.get(), "", AT_FDCWD, guest.c_str(),
                  MOVE_MOUNT_F_EMPTY_PATH) != 0) {
        result = Error::FromErrno("bind " + guest);
        return;
      }
    }
  }).join();
  return result;
}

std::vector<std::pair<std::string, std::string>> Lxcfs::binds() const {
  std::vector<std::pair<std::string, std::string>> out;
  if (!serving()) return out;
  for (const char* f : kFiles) {
    std::string host = options_.mountpoint + "/" + f;
    if (PathExists(host)) out.emplace_back(host, std::string("/") + f);
  }
  return out;
}

std::string Lxcfs::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

bool Lxcfs::serving() const {
  std::lock_guard lock(mu_);
  return serving_;
}

}  // namespace vmi::runtime
