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
};

class ImageResolver {
 public:
  virtual ~ImageResolver() = default;
  // NotFound with the image name when it does not exist.
  virtual Result<ResolvedImage> Resolve(const std::string& name) = 0;
};

}  // namespace vmi::node
