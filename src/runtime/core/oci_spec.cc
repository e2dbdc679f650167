#include "runtime/core/oci_spec.h"

#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <cmath>

namespace vmi::runtime {

using nlohmann::json;

const char* GuestKindName(GuestKind k) {
  switch (k) {
    case GuestKind::kLinuxMobile: return "linux-mobile";
    case GuestKind::kRootfs: return "rootfs";
    case GuestKind::kAndroid: return "android";
  }
  return "?";
}

Result<GuestKind> ParseGuestKind(const std::string& s) {
  if (s == "linux-mobile") return GuestKind::kLinuxMobile;
  if (s == "rootfs") return GuestKind::kRootfs;
  if (s == "android") return GuestKind::kAndroid;
  return Error(ErrorCode::kInvalidArgument, "unknown image kind '" + s + "'");
}

namespace {

json Mount(const std::string& dst, const std::string& type, const std::string& src,
           std::vector<std::string> options) {
  return json{{"destination", dst}, {"type", type}, {"source", src}, {"options", options}};
}

json Bind(const std::string& src, const std::string& dst, bool readonly) {
  std::vector<std::string> o = {"rbind", "nosuid", "nodev"};
  o.push_back(readonly ? "ro" : "rw");
  return Mount(dst, "bind", src, o);
}

// The capabilities a phone session needs: file ownership and permission
// handling as the guest's root, signals, uid switching for apps. No
// SYS_ADMIN, NET_ADMIN, NET_RAW, MKNOD, SYS_PTRACE, SYS_MODULE, ...
const std::vector<std::string> kMobileCaps = {
    "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FOWNER",           "CAP_FSETID",     "CAP_KILL",
    "CAP_SETGID", "CAP_SETUID",       "CAP_SETPCAP",          "CAP_SYS_CHROOT", "CAP_NET_BIND_SERVICE",
    "CAP_AUDIT_WRITE"};

// Android's init mounts file systems, manages network interfaces and binder
// services; it needs more, still inside its own user namespace.
const std::vector<std::string> kAndroidExtraCaps = {
    "CAP_SYS_ADMIN", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_MKNOD", "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE", "CAP_SYS_PTRACE", "CAP_IPC_LOCK", "CAP_SYSLOG", "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND", "CAP_DAC_READ_SEARCH"};

// CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET.
constexpr uint64_t kCloneNamespaceFlags[] = {CLONE_NEWNS,   CLONE_NEWCGROUP, CLONE_NEWUTS,
                                             CLONE_NEWIPC,  CLONE_NEWUSER,   CLONE_NEWPID,
                                             CLONE_NEWNET};

uint64_t NofileHardLimit() {
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_max == RLIM_INFINITY) return 65536;
  return std::min<uint64_t>(rl.rlim_max, 65536);
}

uint64_t OpenFiles(const InstanceSpec& spec) {
  return std::min<uint64_t>(static_cast<uint64_t>(std::max<int64_t>(spec.open_files, 64)),
                            NofileHardLimit());
}

}  // namespace

std::string CpusetFor(double cpus, int slot, int host_cpus) {
  const int n = static_cast<int>(std::ceil(cpus - 1e-9));
  if (host_cpus <= 0 || n <= 0 || n >= host_cpus) return "";
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (!out.empty()) out += ",";
    out += std::to_string((slot * n + i) % host_cpus);
  }
  return out;
}

json SeccompProfile() {
  // Default allow, then deny what could affect the host or other instances
  // even from inside a user namespace (reviewed against Docker's default
  // profile; docs/security.md lists each rule with its test). EPERM, as
  // Docker answers, except clone3 below.
  std::vector<std::string> denied = {
      // kernel modules, kexec, reboot, swap, clocks, accounting
      "acct", "create_module", "delete_module", "finit_module", "get_kernel_syms",
      "init_module", "query_module", "kexec_file_load", "kexec_load", "reboot", "swapoff",
      "swapon", "clock_adjtime", "clock_settime", "settimeofday", "stime",
      // kernel keyrings are not namespaced
      "add_key", "keyctl", "request_key",
      // tracing, profiling and kernel-programmable surfaces
      "bpf", "perf_event_open", "lookup_dcookie", "userfaultfd", "io_uring_setup",
      "io_uring_enter", "io_uring_register", "kcmp", "process_vm_readv", "process_vm_writev",
      // raw hardware and old interfaces
      "ioperm", "iopl", "vm86", "vm86old", "uselib", "ustat", "sysfs", "_sysctl", "nfsservctl",
      "syslog", "vhangup",
      // file handles bypass the mount namespace's view
      "name_to_handle_at", "open_by_handle_at",
      // namespaces and mounts (clone's namespace flags are filtered below)
      "setns", "unshare", "mount", "umount", "umount2", "pivot_root", "fsopen", "fsmount",
      "fsconfig", "fspick", "move_mount", "open_tree", "mount_setattr", "quotactl",
      "quotactl_fd",
      // NUMA placement of other processes' memory (Docker: CAP_SYS_NICE only)
      "mbind", "migrate_pages", "move_pages", "set_mempolicy",
      "fanotify_init"};
  json rules = json::array({json{{"names", denied}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 1}}});
  // clone3 passes its flags in memory, where a filter cannot look: answer
  // ENOSYS so the C library falls back to clone, whose flags are checked.
  rules.push_back(json{{"names", {"clone3"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 38}});
  // clone with any namespace flag is refused; one rule per flag, since the
  // conditions of one rule must all hold. The flags are argument 0 on every
  // listed architecture.
  for (uint64_t flag : kCloneNamespaceFlags) {
    rules.push_back(json{{"names", {"clone"}},
                         {"action", "SCMP_ACT_ERRNO"},
                         {"errnoRet", 1},
                         {"args", json::array({json{{"index", 0},
                                                    {"value", flag},
                                                    {"valueTwo", flag},
                                                    {"op", "SCMP_CMP_MASKED_EQ"}}})}});
  }
  return json{{"defaultAction", "SCMP_ACT_ALLOW"},
              {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
                                 "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"}},
              {"syscalls", rules}};
}

std::vector<std::string> AndroidBootArgs(const InstanceSpec& spec) {
  return {"/init",
          "qemu=1",
          "androidboot.hardware=redroid",
          "androidboot.redroid_width=" + std::to_string(spec.width),
          "androidboot.redroid_height=" + std::to_string(spec.height),
          "androidboot.redroid_dpi=" + std::to_string(spec.dpi),
          "androidboot.redroid_gpu_mode=guest",
          "androidboot.use_memfd=true",
          "androidboot.selinux=permissive",
          "ro.kernel.qemu=1"};
}

json BuildOciConfig(const InstanceSpec& spec, const InstanceSlot& slot, const GuestImage& image,
                    const InstancePaths& paths) {
  const bool android = image.kind == GuestKind::kAndroid;
  std::vector<std::string> env = {
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "HOME=/root",
      "TERM=xterm",
      "VMI_INSTANCE=" + spec.id,
      "VMI_NAME=" + spec.name,
      "VMI_WIDTH=" + std::to_string(spec.width),
      "VMI_HEIGHT=" + std::to_string(spec.height),
      "VMI_DPI=" + std::to_string(spec.dpi),
      // The guest X server starts square so RandR can switch between
      // portrait and landscape inside it (docs/display.md, rotation).
      "VMI_SCREEN_SIDE=" + std::to_string(std::max(spec.width, spec.height)),
      std::string("VMI_DEVDIR=") + kGuestDevDir,
  };
  // The device views are host directories, not sysfs: libudev (252 and
  // later) refuses devices outside sysfs unless told not to check.
  if (!android && !paths.sysfs_view.empty()) env.push_back("SYSTEMD_DEVICE_VERIFY_SYSFS=0");
  env.insert(env.end(), image.env.begin(), image.env.end());

  std::vector<std::string> args;
  if (android) {
    args = AndroidBootArgs(spec);
  } else {
    args = {std::string(kGuestKitDir) + "/bin/vmi-init"};
    if (!image.command.empty()) {
      args.push_back("--");
      args.insert(args.end(), image.command.begin(), image.command.end());
    }
  }

  std::vector<std::string> caps = kMobileCaps;
  if (android) caps.insert(caps.end(), kAndroidExtraCaps.begin(), kAndroidExtraCaps.end());

  json process = {
      {"terminal", false},
      {"user", {{"uid", 0}, {"gid", 0}}},
      {"args", args},
      {"env", env},
      {"cwd", "/"},
      {"capabilities",
       {{"bounding", caps}, {"effective", caps}, {"permitted", caps}, {"inheritable", json::array()}}},
      {"noNewPrivileges", !android},
      // The owner's open-files limit, within the daemon's own hard limit:
      // crun's default would try to raise it and fail inside the user
      // namespace. Soft = hard, so no process can raise its own.
      {"rlimits", json::array({json{{"type", "RLIMIT_NOFILE"},
                                    {"hard", OpenFiles(spec)},
                                    {"soft", OpenFiles(spec)}}})},
  };

  json mounts = json::array({
      Mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}),
      Mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
      Mount("/dev/pts", "devpts", "devpts",
            {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
      Mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=262144k"}),
      Mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
      Mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
      Mount("/tmp", "tmpfs", "tmpfs", {"nosuid", "nodev", "mode=1777", "size=262144k"}),
  });
  for (const auto& dir : image.host_binds) mounts.push_back(Bind(dir, dir, true));
  mounts.push_back(Bind(paths.guest_kit, kGuestKitDir, true));
  mounts.push_back(Bind(paths.devdir, kGuestDevDir, false));
  if (!android) {
    mounts.push_back(Bind(paths.devdir + "/x11", "/tmp/.X11-unix", false));
    // The modem's sysfs view (guest/modem/sysfs_view.h): ModemManager finds
    // the guest's serial modem through sysfs, without udev. Two small
    // tmpfs mounts, owned by the guest's root, hide the host's tty and
    // platform devices and let the guest's port relay describe its own.
    for (const char* dir : {"/sys/class/tty", "/sys/devices/platform"})
      mounts.push_back(Mount(dir, "tmpfs", "tmpfs", {"nosuid", "noexec", "nodev", "mode=755", "size=64k"}));
    if (!paths.sysfs_view.empty()) {
      mounts.push_back(Bind(paths.sysfs_view + "/power_supply", "/sys/class/power_supply", true));
      mounts.push_back(Bind(paths.sysfs_view + "/udev", "/run/udev", true));
      mounts.push_back(Bind(paths.sysfs_view + "/devices", "/run/vmi-devices", true));
    }
  }
  for (const auto& [host, guest] : paths.limit_views) mounts.push_back(Bind(host, guest, true));
  if (android) {
    // The instance's own binderfs: its binder contexts are not shared with
    // any other instance.
    mounts.push_back(Bind(paths.binderfs, "/dev/binderfs", false));
    for (const char* dev : {"binder", "hwbinder", "vndbinder"}) {
      json m = Bind(paths.binderfs + "/" + dev, std::string("/dev/") + dev, false);
      m["options"] = {"bind", "rw"};
      mounts.push_back(m);
    }
  }

  json ns = json::array({json{{"type", "pid"}}, json{{"type", "ipc"}}, json{{"type", "uts"}},
                         json{{"type", "mount"}}, json{{"type", "cgroup"}},
                         json{{"type", "user"}}, json{{"type", "network"}}});

  const int64_t period = 100000;
  json resources = {
      {"memory", {{"limit", spec.memory_bytes}, {"swap", spec.memory_bytes}}},
      {"cpu",
       {{"quota", static_cast<int64_t>(std::llround(spec.cpus * period))}, {"period", period}}},
      {"pids", {{"limit", spec.pids_max}}},
      {"devices", json::array({json{{"allow", false}, {"access", "rwm"}}})},
  };
  if (std::string cpus = CpusetFor(spec.cpus, slot.index, paths.host_cpus); !cpus.empty())
    resources["cpu"]["cpus"] = cpus;
  if (android) {
    // binder character devices (major is dynamic: allow by type).
    resources["devices"].push_back(json{{"allow", true}, {"type", "c"}, {"access", "rwm"}});
  }

  json linux = {
      {"namespaces", ns},
      {"uidMappings", json::array({json{{"containerID", 0}, {"hostID", slot.uid_base}, {"size", slot.uid_count}}})},
      {"gidMappings", json::array({json{{"containerID", 0}, {"hostID", slot.uid_base}, {"size", slot.uid_count}}})},
      {"cgroupsPath", "/" + ContainerCgroup(spec.id)},
      {"resources", resources},
      {"seccomp", SeccompProfile()},
      {"maskedPaths", {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                       "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                       "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
                       "/sys/devices/virtual/powercap"}},
      {"readonlyPaths", {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}},
  };
  if (android) linux.erase("seccomp");  // Android's own init installs its filters

  return json{
      {"ociVersion", "1.0.2"},
      {"process", process},
      {"root", {{"path", paths.rootfs}, {"readonly", false}}},
      {"hostname", spec.name},
      {"mounts", mounts},
      {"linux", linux},
      {"annotations", {{"org.vmi.instance", spec.id}, {"org.vmi.image.kind", GuestKindName(image.kind)}}},
  };
}

}  // namespace vmi::runtime
