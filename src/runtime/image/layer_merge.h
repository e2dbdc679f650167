// Applies one extracted OCI layer onto a rootfs, the way containerd does:
// paths in the rootfs are resolved inside it (openat2 RESOLVE_IN_ROOT), so a
// symlink left by a lower layer - even an absolute one - can never redirect a
// write to the host. Entries are moved (rename), not copied; both trees must
// be on one file system.
#pragma once

#include <string>

#include "base/result.h"
#include "runtime/image/tar_check.h"

namespace vmi::image {

// First deletes what the layer's whiteouts name (and empties its opaque
// directories) in `rootfs`, then moves the layer's entries into it,
// skipping the whiteout files themselves. `layer_dir` is consumed.
Result<void> ApplyLayer(const std::string& layer_dir, const TarSafetyCheck& scan,
                        const std::string& rootfs);

}  // namespace vmi::image
