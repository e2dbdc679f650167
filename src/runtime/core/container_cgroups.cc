#include "runtime/core/container_cgroups.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "base/clock.h"
#include "base/file.h"

namespace vmi::runtime {
namespace {

// A directory is a cgroup hierarchy's root when it has the kernel's
// cgroup.procs file (both v1 and v2 have it).
bool IsHierarchy(const std::string& dir) { return PathExists(dir + "/cgroup.procs"); }

// A real directory, not a symlink to one: "cpu" -> "cpu,cpuacct" style
// links name a hierarchy that is listed under its own name too.
bool IsRealDirectory(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// rmdir of `dir` after its child cgroups (a cgroup's own files are not
// removable and do not keep rmdir from working; only child cgroups and
// member processes do). The errno of the first failure, 0 on success.
int RemoveDepthFirst(const std::string& dir) {
  int first = 0;
  if (auto names = ListDirectory(dir); names.ok()) {
    for (const auto& name : *names) {
      const std::string child = dir + "/" + name;
      if (!IsRealDirectory(child)) continue;
      if (int e = RemoveDepthFirst(child); e != 0 && first == 0) first = e;
    }
  }
  if (rmdir(dir.c_str()) != 0 && errno != ENOENT && first == 0) first = errno;
  return first;
}

}  // namespace

std::vector<std::string> ContainerCgroupDirs(const std::string& relative,
                                             const std::string& root) {
  std::vector<std::string> hierarchies;
  if (IsHierarchy(root)) {
    hierarchies.push_back(root);
  } else if (auto names = ListDirectory(root); names.ok()) {
    for (const auto& name : *names) {
      const std::string h = root + "/" + name;
      if (IsRealDirectory(h) && IsHierarchy(h)) hierarchies.push_back(h);
    }
  }
  std::vector<std::string> dirs;
  for (const auto& h : hierarchies) {
    const std::string dir = h + "/" + relative;
    if (IsDirectory(dir)) dirs.push_back(dir);
  }
  return dirs;
}

Result<void> RemoveContainerCgroups(const std::string& relative,
                                    std::chrono::milliseconds patience,
                                    const std::string& root) {
  const int64_t deadline = MonotonicMicros() + patience.count() * 1000;
  for (;;) {
    std::string left;
    for (const auto& dir : ContainerCgroupDirs(relative, root)) {
      if (int e = RemoveDepthFirst(dir); e != 0)
        left += (left.empty() ? "" : ", ") + dir + " (" + std::strerror(e) + ")";
    }
    if (left.empty()) return Ok();
    if (MonotonicMicros() >= deadline)
      return Error(ErrorCode::kFailedPrecondition, "cgroups left behind: " + left);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace vmi::runtime
