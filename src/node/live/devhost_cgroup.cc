#include "node/live/devhost_cgroup.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "base/file.h"

namespace vmi::node::live {
namespace {

constexpr int64_t kCfsPeriodUs = 100000;

int64_t QuotaUs(double cpus) {
  return std::max<int64_t>(1000, static_cast<int64_t>(std::llround(cpus * kCfsPeriodUs)));
}

// The limit files of one hierarchy, by the controller its path names.
Result<void> WriteLimits(runtime::CgroupMode mode, const std::string& dir,
                         const DeviceHostLimits& l) {
  if (mode == runtime::CgroupMode::kV2) {
    VMI_CHECK_OK(WriteFile(dir + "/cpu.max",
                           std::to_string(QuotaUs(l.cpus)) + " " + std::to_string(kCfsPeriodUs)),
                 "cpu.max");
    VMI_CHECK_OK(WriteFile(dir + "/memory.max", std::to_string(l.memory_bytes)), "memory.max");
    VMI_CHECK_OK(WriteFile(dir + "/pids.max", std::to_string(l.pids_max)), "pids.max");
    return Ok();
  }
  if (PathExists(dir + "/cpu.cfs_quota_us")) {
    VMI_CHECK_OK(WriteFile(dir + "/cpu.cfs_period_us", std::to_string(kCfsPeriodUs)),
                 "cpu.cfs_period_us");
    VMI_CHECK_OK(WriteFile(dir + "/cpu.cfs_quota_us", std::to_string(QuotaUs(l.cpus))),
                 "cpu.cfs_quota_us");
  }
  if (PathExists(dir + "/memory.limit_in_bytes"))
    VMI_CHECK_OK(WriteFile(dir + "/memory.limit_in_bytes", std::to_string(l.memory_bytes)),
                 "memory.limit_in_bytes");
  if (PathExists(dir + "/pids.max"))
    VMI_CHECK_OK(WriteFile(dir + "/pids.max", std::to_string(l.pids_max)), "pids.max");
  return Ok();
}

}  // namespace

DeviceHostLimits DeviceHostLimitsFor(const runtime::InstanceSpec& spec) {
  DeviceHostLimits l;
  if (spec.cpus > 0) l.cpus = spec.cpus;
  return l;
}

std::vector<std::string> DeviceHostCgroupDirs(runtime::CgroupMode mode, const std::string& id,
                                              const std::string& root) {
  std::vector<std::string> dirs;
  if (mode == runtime::CgroupMode::kV2) {
    dirs.push_back(root + "/vmi/" + id + ".devhost");
    return dirs;
  }
  for (const char* c : {"cpu", "cpuacct", "memory", "pids"}) {
    std::string hierarchy = root + "/" + c;
    if (!IsDirectory(hierarchy)) continue;
    // cpu and cpuacct are often one hierarchy mounted twice.
    char real[PATH_MAX];
    std::string key = realpath(hierarchy.c_str(), real) ? real : hierarchy;
    bool dup = false;
    for (const auto& d : dirs) dup |= d.rfind(key + "/", 0) == 0;
    if (!dup) dirs.push_back(key + "/vmi/" + id + ".devhost");
  }
  return dirs;
}

Result<void> JoinDeviceHostCgroup(runtime::CgroupMode mode, const std::string& id, pid_t pid,
                                  const DeviceHostLimits& limits, const std::string& root) {
  for (const auto& dir : DeviceHostCgroupDirs(mode, id, root)) {
    VMI_CHECK_OK(MakeDirs(dir), "cgroup " + dir);
    VMI_CHECK_OK(WriteLimits(mode, dir, limits), "limits of " + dir);
    VMI_CHECK_OK(WriteFile(dir + "/cgroup.procs", std::to_string(pid)), "join " + dir);
  }
  return Ok();
}

void RemoveDeviceHostCgroup(runtime::CgroupMode mode, const std::string& id,
                            const std::string& root) {
  for (const auto& dir : DeviceHostCgroupDirs(mode, id, root)) rmdir(dir.c_str());
}

}  // namespace vmi::node::live
