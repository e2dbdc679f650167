// libFuzzer target: the ar member reader of .deb packages on arbitrary
// bytes (the data.tar inside goes through the image store's tar reader,
// which has its own target). Built with -DVMI_FUZZ=ON (clang).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "apps/deb_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = vmi::apps::ReadArMembers(std::string_view(reinterpret_cast<const char*>(data), size));
  (void)r.ok();
  return 0;
}
