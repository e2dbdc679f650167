#include "base/utf8.h"

namespace vmi {

size_t DecodeUtf8At(std::string_view s, size_t at, uint32_t* cp) {
  if (at >= s.size()) return 0;
  const auto lead = static_cast<uint8_t>(s[at]);
  size_t extra;
  uint32_t v;
  if (lead < 0x80) {
    *cp = lead;
    return 1;
  } else if ((lead & 0xe0) == 0xc0) {
    extra = 1;
    v = lead & 0x1f;
  } else if ((lead & 0xf0) == 0xe0) {
    extra = 2;
    v = lead & 0x0f;
  } else if ((lead & 0xf8) == 0xf0) {
    extra = 3;
    v = lead & 0x07;
  } else {
    return 0;
  }
  if (s.size() - at <= extra) return 0;  // truncated
  for (size_t k = 1; k <= extra; ++k) {
    const auto c = static_cast<uint8_t>(s[at + k]);
    if ((c & 0xc0) != 0x80) return 0;
    v = v << 6 | (c & 0x3f);
  }
  static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (v < kMin[extra] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
  *cp = v;
  return extra + 1;
}

bool IsValidUtf8(std::string_view s) {
  uint32_t cp;
  for (size_t i = 0; i < s.size();) {
    size_t n = DecodeUtf8At(s, i, &cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

}  // namespace vmi
