// Parser for the XWD header that Xvfb -fbdir writes at the start of its
// framebuffer file. The file lives in the guest-writable device directory, so
// every field is untrusted: the parser validates the whole layout against the
// file size before anyone touches a pixel.
//
// Layout (all header fields are CARD32, most significant byte first):
//
//   offset  field                 Xvfb 720x1280x24 (square max 1280)
//   ------  --------------------  ---------------------------------
//     0     header_size           160 (100 + window name)
//     4     file_version          7
//     8     pixmap_format         2 (ZPixmap)
//    12     pixmap_depth          24
//    16     pixmap_width          1280
//    20     pixmap_height         1280
//    24     xoffset               0
//    28     byte_order            0 (LSBFirst: pixels are BGRX in memory)
//    32     bitmap_unit           32
//    36     bitmap_bit_order      0
//    40     bitmap_pad            32
//    44     bits_per_pixel        32
//    48     bytes_per_line        5120
//    52     visual_class          4 (TrueColor; 0 until the colormap is installed)
//    56     red_mask              0x00ff0000
//    60     green_mask            0x0000ff00
//    64     blue_mask             0x000000ff
//    68     bits_per_rgb          8
//    72     colormap_entries      256
//    76     ncolors               256
//    80     window_width          1280
//    84     window_height         1280
//    88     window_x, 92 window_y, 96 window_bdrwidth
//   100     window name, NUL-terminated, up to header_size
//   header_size               ncolors x 12-byte XWDColor
//   header_size + 12*ncolors  pixels: pixmap_height rows of bytes_per_line
//
// Only the format Xvfb produces for depth 24/32 is accepted (32 bits per
// pixel, LSBFirst, TrueColor masks ff0000/ff00/ff); anything else is an error.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/result.h"

namespace vmi::display {

inline constexpr size_t kXwdFixedHeaderSize = 100;
inline constexpr size_t kXwdColorSize = 12;
inline constexpr uint32_t kXwdFileVersion = 7;
inline constexpr int kXwdMaxDimension = 8192;

struct XwdLayout {
  int width = 0;            // pixmap_width
  int height = 0;           // pixmap_height
  int stride = 0;           // bytes_per_line
  int depth = 0;            // 24 or 32
  size_t pixel_offset = 0;  // header_size + ncolors * 12
  size_t frame_bytes = 0;   // pixel_offset + stride * height (<= file size)
};

// Parses and validates the header in `data` (the first `size` bytes of the
// file; need not be the whole file) for a file of `file_size` bytes.
// Errors: kUnavailable when the header is not complete yet (Xvfb fills the
// visual fields only once its colormap is installed; retry later),
// kInvalidArgument for a malformed or inconsistent header, kUnimplemented
// for a valid XWD format this capture does not handle.
Result<XwdLayout> ParseXwdHeader(const uint8_t* data, size_t size, uint64_t file_size);

}  // namespace vmi::display
