// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
// U+10FFFF, no truncated sequences. Every parser of text that crosses a
// trust boundary (viewer text input, guest surface text) uses these.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vmi {

// Decodes the code point that starts at s[at] into *cp. Returns how many
// bytes it takes (1-4), or 0 if the sequence there is not valid.
size_t DecodeUtf8At(std::string_view s, size_t at, uint32_t* cp);

bool IsValidUtf8(std::string_view s);

}  // namespace vmi
