// The GSM 7-bit default alphabet and its extension table (TS 23.038), and
// septet packing (TS 23.040 9.2.3.24: septets packed LSB first, with fill
// bits after a user-data header so the text starts on a septet boundary).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vmi::telephony {

// UTF-8 -> septets (an extension character becomes ESC + code). Fails on a
// character with no GSM code or invalid UTF-8.
Result<std::vector<uint8_t>> Gsm7FromUtf8(std::string_view utf8);
// Septets -> UTF-8. Unknown extension codes map as the spec says (to the
// default-alphabet character after ESC); a trailing ESC becomes a space.
std::string Gsm7ToUtf8(const std::vector<uint8_t>& septets);
// Septet cost of one code point: 1, 2 (extension table), or 0 (no code).
int Gsm7Cost(uint32_t cp);

// Packs septets after `fill_bits` zero bits.
std::vector<uint8_t> PackSeptets(const std::vector<uint8_t>& septets, int fill_bits);
// Unpacks `count` septets from `packed` after `fill_bits`; fails if the
// octets run out first.
Result<std::vector<uint8_t>> UnpackSeptets(const uint8_t* packed, size_t size, size_t count,
                                           int fill_bits);

}  // namespace vmi::telephony
