#include "devices/input/keysyms.h"

#include <X11/Xlib.h>
#include <X11/keysym.h>

#include <string>

#include "base/utf8.h"

namespace vmi::input {

Result<std::vector<uint32_t>> DecodeUtf8(std::string_view s) {
  std::vector<uint32_t> out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    size_t n = DecodeUtf8At(s, i, &cp);
    if (n == 0) {
      return Error(ErrorCode::kInvalidArgument, "text: invalid UTF-8 sequence at byte " + std::to_string(i));
    }
    out.push_back(cp);
    i += n;
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
