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
};

// Paths in the guest.
inline constexpr const char* kGuestDevDir = "/run/vmi";
inline constexpr const char* kGuestKitDir = "/opt/vmi";

nlohmann::json BuildOciConfig(const InstanceSpec& spec, const InstanceSlot& slot,
                              const GuestImage& image, const InstancePaths& paths);

// The seccomp profile every instance gets (a deny list of host-affecting
// syscalls on top of the user namespace; see docs/runtime.md).
nlohmann::json SeccompProfile();

// The boot properties an Android (redroid-layout) guest needs.
std::vector<std::string> AndroidBootArgs(const InstanceSpec& spec);

}  // namespace vmi::runtime
