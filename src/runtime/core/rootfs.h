// The root file system of an instance: an overlay whose lower layer is the
// image's rootfs, seen through an idmapped mount so the guest's root owns its
// files, and whose upper layer is the instance's own persistent writable
// layer. Mounted on the host before the container starts and unmounted when
// it stops; the upper layer survives until the instance is removed.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace vmi::runtime {

// An fd for a new user namespace mapping ids 0..count-1 to base..base+count-1.
// Making one costs a process (a holder that unshares, whose maps are
// written, then exits).
Result<UniqueFd> CreateUserNamespace(uint32_t base, uint32_t count);
// The user namespace of that mapping, made on first use and kept for the
// process's life: the same slot's next start forks nothing for it. The fd
// is borrowed and stays valid. Thread-safe.
Result<int> SharedUserNamespace(uint32_t base, uint32_t count);

// Attaches an idmapped, read-only view of `source` at `target` (a directory).
Result<void> IdmappedBind(const std::string& source, const std::string& target, int userns_fd);

struct RootfsLayout {
  std::string image_rootfs;  // read-only lower layer (owned by host root)
  std::string lower;         // mount point for the idmapped lower view
  std::string upper;         // persistent writable layer
  std::string work;          // overlay work dir (same file system as upper)
  std::string merged;        // where the overlay is mounted (bundle/rootfs)
};

// Mounts the overlay; idempotent (an already mounted layout is left as is).
// On failure nothing stays mounted.
Result<void> MountRootfs(const RootfsLayout& layout, uint32_t uid_base, uint32_t uid_count);
// Unmounts merged and lower; missing mounts are not an error.
Result<void> UnmountRootfs(const RootfsLayout& layout);
bool IsMountPoint(const std::string& path);

}  // namespace vmi::runtime
