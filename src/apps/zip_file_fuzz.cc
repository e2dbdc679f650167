// libFuzzer target: the zip central directory check on arbitrary bytes.
// Built with -DVMI_FUZZ=ON (clang).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "apps/zip_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r =
      vmi::apps::CheckZip(std::string_view(reinterpret_cast<const char*>(data), size), 1 << 30);
  (void)r.ok();
  return 0;
}
