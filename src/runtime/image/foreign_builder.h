// Builds a linux-mobile rootfs for another CPU architecture than the host's
// (e.g. arm64 on x86_64) from Debian's packages with mmdebstrap, then lays
// the linux-mobile definition over it (session manifest, app grid, desktop
// entries). Programs in it run through QEMU user mode registered with
// binfmt_misc (runtime/core/foreign_arch.h); mmdebstrap needs that too, for
// the packages' maintainer scripts.
//
// The guest kit (vmi-init and friends) is built for the host: the image
// binds the host's multiarch library directory (e.g. /usr/lib/x86_64-linux-
// gnu, which no arm64 package uses) and links its dynamic loader's path, so
// those programs run natively next to the foreign userland.
//
// Downloaded packages are kept in a cache outside the image
// (/var/cache/vmi/debs-<arch>, VMI_DEB_CACHE overrides): a rebuild needs no
// download. docs/foreign-arch.md.
#pragma once

#include <string>

#include "base/result.h"
#include "runtime/image/linux_mobile_builder.h"

namespace vmi::image {

struct ForeignBuildOptions {
  std::string arch;            // "arm64", "x86_64", ...
  std::string definition_dir;  // images/linux-mobile
  std::string rootfs;          // must not exist
  std::string cache_dir;       // package cache; default /var/cache/vmi/debs-<arch>
  std::string suite;           // default: the host's (VERSION_CODENAME)
  std::string mirror;          // default: the host's first Debian URI
};

// The packages of the linux-mobile session (Xvfb, Matchbox, the apps).
const char* ForeignPackages();

Result<LinuxMobileBuild> BuildForeignRootfs(ForeignBuildOptions o);

}  // namespace vmi::image
