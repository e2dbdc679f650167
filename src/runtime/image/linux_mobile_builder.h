// Builds the rootfs of a linux-mobile image from the host's own tree and
// the definition directory images/linux-mobile/ (no network):
//
//   definition/image.json    host_binds, top_level_links, directories, and
//                            optionally requires (host programs the session
//                            needs; the build fails without them) and
//                            requires_hint (what to install)
//   definition/session.json  -> rootfs/etc/vmi/session.json
//   definition/etc/          -> rootfs/etc/ (copied over the generated files)
//   definition/home/         -> rootfs/root/
//   definition/share/        -> rootfs/opt/linux-mobile/share/ (desktop
//                               entries and icons; the host /usr is read-only)
//
// The rootfs holds only the image's own files and empty mount points; the
// host's /usr (and a few /etc entries) are bound read-only into every
// instance, listed in the returned host_binds.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace vmi::image {

struct LinuxMobileBuild {
  std::vector<std::string> host_binds;
  std::string definition_digest;
};

// Digest of the definition and of the host layout it depends on; equal
// digests mean a rebuild would produce the same rootfs.
Result<std::string> LinuxMobileDigest(const std::string& definition_dir,
                                      const std::string& host_root = "/");

// Builds into `rootfs`, which must not exist yet. host_root is "/" except in
// tests.
Result<LinuxMobileBuild> BuildLinuxMobileRootfs(const std::string& definition_dir,
                                                const std::string& rootfs,
                                                const std::string& host_root = "/");

}  // namespace vmi::image
