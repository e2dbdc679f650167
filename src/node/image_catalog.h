// ImageCatalog: the node's view of the image store (list, import, build,
// remove) plus the resolver the instance manager uses.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "node/image_resolver.h"

namespace vmi::node {

class ImageCatalog : public ImageResolver {
 public:
  virtual Result<std::vector<nlohmann::json>> List() = 0;
  virtual Result<nlohmann::json> Import(const std::string& name, const std::string& path) = 0;
  // An outdated image that `in_use` is kept rather than rebuilt.
  // `arch` empty or the host's: from the host tree; another: mmdebstrap.
  virtual Result<nlohmann::json> Build(const std::string& name, const std::string& kind,
                                       bool in_use, const std::string& arch = "") = 0;
  // `in_use` tells whether an instance still uses the image.
  virtual Result<void> Remove(const std::string& name, bool in_use) = 0;
  // Writes the image as an OCI image layout (a directory, or one tar file
  // when `as_tar`) with the guest kit as its top layer; see
  // runtime/image/oci_export.h. Returns {"digest", "layers", "bytes", "path"}.
  virtual Result<nlohmann::json> Export(const std::string& name, const std::string& path,
                                        bool as_tar, const std::string& tag) = 0;
};

// The catalog over <data_dir>/images; `definition` is the linux-mobile
// definition directory (images/linux-mobile of the source tree); `guest_kit`
// the directory instances see at /opt/vmi (exports add it as a layer).
Result<std::unique_ptr<ImageCatalog>> CreateImageCatalog(const std::string& data_dir,
                                                         const std::string& definition,
                                                         const std::string& guest_kit = "");

}  // namespace vmi::node
