// libFuzzer target: the PE reader (headers, sections, resources, icon and
// version info) on arbitrary bytes. Built with -DVMI_FUZZ=ON (clang).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "apps/pe_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = vmi::apps::ReadPe(std::string_view(reinterpret_cast<const char*>(data), size));
  (void)r.ok();
  return 0;
}
