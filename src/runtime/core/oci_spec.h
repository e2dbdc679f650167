// Builds the OCI runtime configuration (config.json) of one instance.
// A pure function of its inputs, so it is unit-tested without containers.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/core/instance_spec.h"

namespace vmi::runtime {

enum class GuestKind { kLinuxMobile, kRootfs, kAndroid };
const char* GuestKindName(GuestKind k);
Result<GuestKind> ParseGuestKind(const std::string& s);

// What the OCI configuration needs to know about an image.
struct GuestImage {
  GuestKind kind = GuestKind::kLinuxMobile;
  // Host directories bound read-only at the same path (linux-mobile shares
  // the host's /usr and friends). Symlinks in the image rootfs cover the rest.
  std::vector<std::string> host_binds;
  // Extra "KEY=value" environment of the image (OCI config Env).
  std::vector<std::string> env;
  // For rootfs images without a session manifest: the command vmi-init runs.
  std::vector<std::string> command;
};

struct InstancePaths {
  std::string rootfs;     // the mounted overlay (bundle/rootfs)
  std::string devdir;     // host side of /run/vmi
  std::string guest_kit;  // host side of /opt/vmi
  std::string binderfs;   // android only: the instance's own binderfs mount
  std::string netns;      // unused when the runtime creates the netns
  // lxcfs files to bind over the guest's /proc and /sys views (host path,
  // guest path); empty where lxcfs does not serve (the host's view then).
  std::vector<std::pair<std::string, std::string>> limit_views;
  // CPUs online on the host, for the instance's cpuset (0: no cpuset).
  int host_cpus = 0;
  // Host directory of the instance's device views (Linux guests; empty:
  // none): its `power_supply/` is bound read-only over the guest's
  // /sys/class/power_supply (devices/power/power_supply_view.h) and its
  // `udev/` (holding `control`) over /run/udev, so the guest's libudev
  // listens for the udev events the host sends when a view changes; its
  // `devices/` (the location) at /run/vmi-devices.
  std::string sysfs_view;
};

// The CPUs an instance with `cpus` of quota may run on: as many as the quota
// rounds up to, spread over the host by slot so that instances share the
// load; "" when it may use them all. Pinning is what makes sched_getaffinity
// (nproc, thread pools) see the instance's size, as lxcfs does for /proc.
std::string CpusetFor(double cpus, int slot, int host_cpus);

// Paths in the guest.
inline constexpr const char* kGuestDevDir = "/run/vmi";
inline constexpr const char* kGuestKitDir = "/opt/vmi";

// The instance's cgroup, relative to each hierarchy's root (the config's
// cgroupsPath without its leading slash).
inline std::string ContainerCgroup(const std::string& instance_id) { return "vmi/" + instance_id; }

nlohmann::json BuildOciConfig(const InstanceSpec& spec, const InstanceSlot& slot,
                              const GuestImage& image, const InstancePaths& paths);

// The seccomp profile every instance gets (a deny list of host-affecting
// syscalls on top of the user namespace; see docs/runtime.md).
nlohmann::json SeccompProfile();

// The boot properties an Android (redroid-layout) guest needs.
std::vector<std::string> AndroidBootArgs(const InstanceSpec& spec);

}  // namespace vmi::runtime
