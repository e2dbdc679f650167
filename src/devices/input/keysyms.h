// Keysym helpers: UTF-8 text to keysyms, and which keysyms exist at all.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vmi::input {

// Decodes UTF-8 strictly (no overlongs, no surrogates, nothing above
// U+10FFFF). kInvalidArgument on malformed input, naming the byte offset.
Result<std::vector<uint32_t>> DecodeUtf8(std::string_view utf8);

// The keysym that types `codepoint`: Latin-1 keysyms for U+0020..U+007E and
// U+00A0..U+00FF, Return/Tab/BackSpace for \n, \r, \t, \b, and the Unicode
// keysym 0x01000000 + codepoint otherwise. 0 for other control characters.
uint32_t KeysymForCodepoint(uint32_t codepoint);

// True for keysyms X knows (named keysyms and Unicode keysyms).
bool IsKnownKeysym(uint32_t keysym);

}  // namespace vmi::input
