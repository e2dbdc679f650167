// Facts about the host that decide how instances run: cgroup mode, which OCI
// runtime is usable, kernel features (user namespaces, idmapped mounts,
// binder). Probed once at daemon start; cheap to copy.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"

namespace vmi::runtime {

enum class CgroupMode { kV1, kHybrid, kV2 };
const char* CgroupModeName(CgroupMode m);

struct HostInfo {
  CgroupMode cgroup_mode = CgroupMode::kV1;
  // The runtime instances use: "crun" or "runc", its path and version line.
  std::string runtime;
  std::string runtime_path;
  std::string runtime_version;
  // True when crun runs in a private mount namespace with the cgroup v2
  // controllers file hidden: crun 1.8 refuses hybrid hosts otherwise.
  bool hide_cgroup2_controllers = false;
  // Why the preferred runtime was not chosen, if it was not.
  std::string runtime_note;
  bool user_namespaces = false;
  bool overlayfs = false;
  bool binderfs = false;
  std::string kernel;
  int cpus = 1;
  int64_t memory_bytes = 0;
};

// Probes the host. `preferred` is "crun", "runc" or "" (auto: crun, else runc).
Result<HostInfo> ProbeHost(const std::string& preferred = "");

// True if /proc/filesystems lists `fs`.
bool KernelHasFilesystem(const std::string& fs);

}  // namespace vmi::runtime
