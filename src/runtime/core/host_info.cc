#include "runtime/core/host_info.h"

#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/magic.h>

#include "base/child_process.h"
#include "base/file.h"
#include "runtime/core/oci_runtime.h"

namespace vmi::runtime {

const char* CgroupModeName(CgroupMode m) {
  switch (m) {
    case CgroupMode::kV1: return "v1";
    case CgroupMode::kHybrid: return "hybrid";
    case CgroupMode::kV2: return "v2";
  }
  return "?";
}

bool KernelHasFilesystem(const std::string& fs) {
  auto text = ReadFile("/proc/filesystems");
  if (!text.ok()) return false;
  for (const auto& line : Split(*text, '\n')) {
    if (Trim(line) == fs || (line.size() > fs.size() && line.ends_with("\t" + fs))) return true;
  }
  return false;
}

namespace {

CgroupMode DetectCgroupMode() {
  struct statfs st;
  if (statfs("/sys/fs/cgroup", &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC) return CgroupMode::kV2;
  if (statfs("/sys/fs/cgroup/unified", &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC)
    return CgroupMode::kHybrid;
  return CgroupMode::kV1;
}

std::string FindProgram(const std::string& name) {
  for (const char* dir : {"/usr/bin/", "/usr/sbin/", "/usr/local/bin/", "/bin/", "/sbin/"}) {
    std::string p = std::string(dir) + name;
    if (access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

std::string FirstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

Result<HostInfo> ProbeHost(const std::string& preferred) {
  HostInfo h;
  h.cgroup_mode = DetectCgroupMode();
  utsname u;
  if (uname(&u) == 0) h.kernel = std::string(u.release);
  h.cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  h.memory_bytes = static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE);
  h.overlayfs = KernelHasFilesystem("overlay");
  h.binderfs = KernelHasFilesystem("binder");
  auto max_ns = ReadFile("/proc/sys/user/max_user_namespaces");
  h.user_namespaces = max_ns.ok() && std::atoi(max_ns->c_str()) > 0;

  if (preferred != "" && preferred != "crun" && preferred != "runc")
    return Error(ErrorCode::kInvalidArgument, "unknown OCI runtime '" + preferred + "'");
  for (std::string candidate : {std::string("crun"), std::string("runc")}) {
    if (!preferred.empty() && candidate != preferred) continue;
    std::string path = FindProgram(candidate);
    if (path.empty()) {
      h.runtime_note += candidate + " not installed; ";
      continue;
    }
    auto version = RunChecked({path, "--version"});
    if (!version.ok()) {
      h.runtime_note += candidate + " --version failed; ";
      continue;
    }
    h.runtime = candidate;
    h.runtime_path = path;
    h.runtime_version = FirstLine(*version);
    h.hide_cgroup2_controllers = candidate == "crun" && h.cgroup_mode == CgroupMode::kHybrid;
    break;
  }
  if (h.runtime.empty())
    return Error(ErrorCode::kUnavailable, "no OCI runtime usable: " + h.runtime_note +
                                              "install crun or runc");
  return h;
}

}  // namespace vmi::runtime
