#include "devices/telephony/gsm7.h"

#include "base/utf8.h"

namespace vmi::telephony {
namespace {

// The default alphabet, by code (TS 23.038 6.2.1). 0x1B is the escape to
// the extension table and is never produced from text.
constexpr uint16_t kBasic[128] = {
    '@',    0x00A3, '$',    0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC,  // 0x00
    0x00F2, 0x00C7, '\n',   0x00D8, 0x00F8, '\r',   0x00C5, 0x00E5,  // 0x08
    0x0394, '_',    0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8,  // 0x10
    0x03A3, 0x0398, 0x039E, 0x001B, 0x00C6, 0x00E6, 0x00DF, 0x00C9,  // 0x18
    ' ',    '!',    '"',    '#',    0x00A4, '%',    '&',    '\'',    // 0x20
    '(',    ')',    '*',    '+',    ',',    '-',    '.',    '/',     // 0x28
    '0',    '1',    '2',    '3',    '4',    '5',    '6',    '7',     // 0x30
    '8',    '9',    ':',    ';',    '<',    '=',    '>',    '?',     // 0x38
    0x00A1, 'A',    'B',    'C',    'D',    'E',    'F',    'G',     // 0x40
    'H',    'I',    'J',    'K',    'L',    'M',    'N',    'O',     // 0x48
    'P',    'Q',    'R',    'S',    'T',    'U',    'V',    'W',     // 0x50
    'X',    'Y',    'Z',    0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7,  // 0x58
    0x00BF, 'a',    'b',    'c',    'd',    'e',    'f',    'g',     // 0x60
    'h',    'i',    'j',    'k',    'l',    'm',    'n',    'o',     // 0x68
    'p',    'q',    'r',    's',    't',    'u',    'v',    'w',     // 0x70
    'x',    'y',    'z',    0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,  // 0x78
};

struct Ext {
  uint8_t code;
  uint16_t cp;
};
constexpr Ext kExtension[] = {{0x0A, 0x000C}, {0x14, '^'}, {0x28, '{'}, {0x29, '}'},
                              {0x2F, '\\'},   {0x3C, '['}, {0x3D, '~'}, {0x3E, ']'},
                              {0x40, '|'},    {0x65, 0x20AC}};

int BasicCode(uint32_t cp) {
  if (cp == 0x1B) return -1;
  for (int i = 0; i < 128; ++i)
    if (kBasic[i] == cp) return i;
  return -1;
}

int ExtensionCode(uint32_t cp) {
  for (const Ext& e : kExtension)
    if (e.cp == cp) return e.code;
  return -1;
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

int Gsm7Cost(uint32_t cp) {
  if (BasicCode(cp) >= 0) return 1;
  if (ExtensionCode(cp) >= 0) return 2;
  return 0;
}

Result<std::vector<uint8_t>> Gsm7FromUtf8(std::string_view utf8) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i < utf8.size();) {
    uint32_t cp = 0;
    size_t n = DecodeUtf8At(utf8, i, &cp);
    if (n == 0) return Error(ErrorCode::kInvalidArgument, "text is not valid UTF-8");
    i += n;
    int code = BasicCode(cp);
    if (code >= 0) {
      out.push_back(static_cast<uint8_t>(code));
      continue;
    }
    code = ExtensionCode(cp);
    if (code < 0) return Error(ErrorCode::kInvalidArgument, "character has no GSM 7-bit code");
    out.push_back(0x1B);
    out.push_back(static_cast<uint8_t>(code));
  }
  return out;
}

std::string Gsm7ToUtf8(const std::vector<uint8_t>& septets) {
  std::string out;
  for (size_t i = 0; i < septets.size(); ++i) {
    uint8_t c = septets[i] & 0x7F;
    if (c != 0x1B) {
      AppendUtf8(&out, kBasic[c]);
      continue;
    }
    if (i + 1 == septets.size()) {
      out.push_back(' ');
      break;
    }
    uint8_t e = septets[++i] & 0x7F;
    uint32_t cp = 0;
    for (const Ext& x : kExtension)
      if (x.code == e) cp = x.cp;
    // TS 23.038: an unknown extension code shows the default character.
    AppendUtf8(&out, cp ? cp : (e == 0x1B ? ' ' : kBasic[e]));
  }
  return out;
}

std::vector<uint8_t> PackSeptets(const std::vector<uint8_t>& septets, int fill_bits) {
  std::vector<uint8_t> out;
  uint32_t acc = 0;
  int bits = fill_bits;
  for (uint8_t s : septets) {
    acc |= static_cast<uint32_t>(s & 0x7F) << bits;
    bits += 7;
    while (bits >= 8) {
      out.push_back(static_cast<uint8_t>(acc & 0xFF));
      acc >>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) out.push_back(static_cast<uint8_t>(acc & 0xFF));
  return out;
}

Result<std::vector<uint8_t>> UnpackSeptets(const uint8_t* packed, size_t size, size_t count,
                                           int fill_bits) {
  size_t needed_bits = static_cast<size_t>(fill_bits) + count * 7;
  if ((needed_bits + 7) / 8 > size)
    return Error(ErrorCode::kInvalidArgument, "user data shorter than its length");
  std::vector<uint8_t> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    size_t bit = static_cast<size_t>(fill_bits) + i * 7;
    size_t byte = bit / 8;
    int shift = static_cast<int>(bit % 8);
    uint32_t v = packed[byte];
    if (byte + 1 < size) v |= static_cast<uint32_t>(packed[byte + 1]) << 8;
    out.push_back(static_cast<uint8_t>((v >> shift) & 0x7F));
  }
  return out;
}

}  // namespace vmi::telephony
