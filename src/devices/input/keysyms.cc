#include "devices/input/keysyms.h"

#include <X11/Xlib.h>
#include <X11/keysym.h>

#include <string>

namespace vmi::input {

Result<std::vector<uint32_t>> DecodeUtf8(std::string_view s) {
  std::vector<uint32_t> out;
  out.reserve(s.size());
  size_t i = 0;
  auto bad = [&](size_t at) {
    return Error(ErrorCode::kInvalidArgument, "text: invalid UTF-8 at byte " + std::to_string(at));
  };
  while (i < s.size()) {
    const uint8_t b = static_cast<uint8_t>(s[i]);
    uint32_t cp;
    int extra;
    if (b < 0x80) {
      cp = b;
      extra = 0;
    } else if ((b & 0xe0) == 0xc0) {
      cp = b & 0x1f;
      extra = 1;
    } else if ((b & 0xf0) == 0xe0) {
      cp = b & 0x0f;
      extra = 2;
    } else if ((b & 0xf8) == 0xf0) {
      cp = b & 0x07;
      extra = 3;
    } else {
      return bad(i);
    }
    for (int k = 1; k <= extra; ++k) {
      if (i + k >= s.size()) return bad(i);
      const uint8_t c = static_cast<uint8_t>(s[i + k]);
      if ((c & 0xc0) != 0x80) return bad(i + k);
      cp = (cp << 6) | (c & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return bad(i);
    out.push_back(cp);
    i += extra + 1;
  }
  return out;
}

uint32_t KeysymForCodepoint(uint32_t cp) {
  switch (cp) {
    case '\n':
    case '\r':
      return XK_Return;
    case '\t':
      return XK_Tab;
    case '\b':
      return XK_BackSpace;
    default:
      break;
  }
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp > 0x10ffff) return 0;
  if (cp <= 0xff) return cp;
  return 0x01000000 | cp;
}

bool IsKnownKeysym(uint32_t keysym) {
  if (keysym == 0 || keysym == 0xffffff) return false;
  if (keysym >= 0x01000100 && keysym <= 0x0110ffff) return true;
  // XKeysymToString needs no connection; it knows every keysymdef.h name.
  return XKeysymToString(keysym) != nullptr;
}

}  // namespace vmi::input
