// What the instance manager needs from the image store: the rootfs to put
// under an instance and how to run it.
#pragma once

#include <string>

#include "runtime/core/oci_spec.h"

namespace vmi::node {

struct ResolvedImage {
  std::string name;
  std::string rootfs;  // host path of the read-only lower layer
  runtime::GuestImage guest;
  std::string kind;       // image kind name: "linux-mobile", "win32", "rootfs", "android"
  std::string arch;       // CPU architecture of its programs ("x86_64", "arm64")
  std::string wine_i386;  // win32: the 32-bit path ("wow64", "wine32") or ""
};

class ImageResolver {
 public:
  virtual ~ImageResolver() = default;
  // NotFound with the image name when it does not exist.
  virtual Result<ResolvedImage> Resolve(const std::string& name) = 0;
};

}  // namespace vmi::node
