// libFuzzer target for the XWD header parser (the header is guest data).
// Built with -DVMI_FUZZ=ON and clang; xwd_header_test.cc replays regressions.
#include <cstddef>
#include <cstdint>

#include "devices/display/xwd_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The first 8 bytes choose the claimed file size; the rest is the header.
  if (size < 8) return 0;
  uint64_t file_size = 0;
  for (int i = 0; i < 8; ++i) file_size = (file_size << 8) | data[i];
  auto r = vmi::display::ParseXwdHeader(data + 8, size - 8, file_size);
  if (r.ok()) {
    // Invariants every accepted layout must hold.
    const auto& l = *r;
    if (l.frame_bytes > file_size || l.width <= 0 || l.height <= 0 ||
        l.stride < l.width * 4 || l.pixel_offset + size_t(l.stride) * l.height != l.frame_bytes) {
      __builtin_trap();
    }
  }
  return 0;
}
