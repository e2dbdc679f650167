#include "runtime/image/image_store.h"

namespace vmi::image {

Result<Image> ImageStore::Import(const std::string& path, const std::string& name) {
  return Error(ErrorCode::kUnimplemented, "import " + path + " as " + name);
}

}  // namespace vmi::image
