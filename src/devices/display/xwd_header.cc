#include "devices/display/xwd_header.h"

#include <string>

namespace vmi::display {
namespace {

enum Field {
  kHeaderSize = 0,
  kFileVersion,
  kPixmapFormat,
  kPixmapDepth,
  kPixmapWidth,
  kPixmapHeight,
  kXOffset,
  kByteOrder,
  kBitmapUnit,
  kBitmapBitOrder,
  kBitmapPad,
  kBitsPerPixel,
  kBytesPerLine,
  kVisualClass,
  kRedMask,
  kGreenMask,
  kBlueMask,
  kBitsPerRgb,
  kColormapEntries,
  kNColors,
  kWindowWidth,
  kWindowHeight,
};

uint32_t Get(const uint8_t* data, Field f) {
  const uint8_t* p = data + 4 * static_cast<int>(f);
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

Error Invalid(const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, "xwd header: " + what);
}

constexpr uint32_t kZPixmap = 2;
constexpr uint32_t kLsbFirst = 0;
constexpr uint32_t kTrueColor = 4;
constexpr uint32_t kDirectColor = 5;
// Bounds that no real Xvfb framebuffer reaches; they keep every later
// computation far from overflow.
constexpr uint32_t kMaxHeaderSize = 4096;
constexpr uint32_t kMaxColors = 65536;

}  // namespace

Result<XwdLayout> ParseXwdHeader(const uint8_t* data, size_t size, uint64_t file_size) {
  if (size < kXwdFixedHeaderSize || file_size < kXwdFixedHeaderSize) {
    return Error(ErrorCode::kUnavailable, "xwd header: file shorter than the header");
  }
  const uint32_t header_size = Get(data, kHeaderSize);
  if (header_size < kXwdFixedHeaderSize || header_size > kMaxHeaderSize) {
    return Invalid("header_size " + std::to_string(header_size) + " out of range");
  }
  if (Get(data, kFileVersion) != kXwdFileVersion) {
    return Invalid("file_version " + std::to_string(Get(data, kFileVersion)) + " is not 7");
  }
  if (Get(data, kPixmapFormat) != kZPixmap) {
    return Error(ErrorCode::kUnimplemented, "xwd header: pixmap_format " +
                                                std::to_string(Get(data, kPixmapFormat)) +
                                                " is not ZPixmap");
  }
  const uint32_t width = Get(data, kPixmapWidth);
  const uint32_t height = Get(data, kPixmapHeight);
  if (width == 0 || height == 0 || width > kXwdMaxDimension || height > kXwdMaxDimension) {
    return Invalid("size " + std::to_string(width) + "x" + std::to_string(height) +
                   " out of range");
  }
  if (Get(data, kXOffset) != 0) return Invalid("xoffset is not 0");
  const uint32_t bpp = Get(data, kBitsPerPixel);
  const uint32_t depth = Get(data, kPixmapDepth);
  if (bpp != 32 || (depth != 24 && depth != 32)) {
    return Error(ErrorCode::kUnimplemented,
                 "xwd header: depth " + std::to_string(depth) + " at " + std::to_string(bpp) +
                     " bits per pixel (only 24/32 at 32 are handled)");
  }
  if (Get(data, kByteOrder) != kLsbFirst) {
    return Error(ErrorCode::kUnimplemented, "xwd header: MSBFirst pixels are not handled");
  }
  const uint32_t stride = Get(data, kBytesPerLine);
  if (stride < width * 4 || stride % 4 != 0 || stride > kXwdMaxDimension * 4 + 64) {
    return Invalid("bytes_per_line " + std::to_string(stride) + " does not fit width " +
                   std::to_string(width));
  }
  const uint32_t visual = Get(data, kVisualClass);
  const uint32_t red = Get(data, kRedMask);
  const uint32_t green = Get(data, kGreenMask);
  const uint32_t blue = Get(data, kBlueMask);
  if (visual == 0 && red == 0 && green == 0 && blue == 0) {
    return Error(ErrorCode::kUnavailable, "xwd header: visual not written yet");
  }
  if (visual != kTrueColor && visual != kDirectColor) {
    return Error(ErrorCode::kUnimplemented,
                 "xwd header: visual class " + std::to_string(visual) + " is not TrueColor");
  }
  if (red != 0xff0000 || green != 0xff00 || blue != 0xff) {
    return Error(ErrorCode::kUnimplemented, "xwd header: colour masks are not ff0000/ff00/ff");
  }
  const uint32_t ncolors = Get(data, kNColors);
  if (ncolors > kMaxColors) return Invalid("ncolors " + std::to_string(ncolors) + " too large");

  XwdLayout layout;
  layout.width = static_cast<int>(width);
  layout.height = static_cast<int>(height);
  layout.stride = static_cast<int>(stride);
  layout.depth = static_cast<int>(depth);
  layout.pixel_offset = size_t{header_size} + size_t{ncolors} * kXwdColorSize;
  layout.frame_bytes = layout.pixel_offset + size_t{stride} * height;
  if (layout.frame_bytes > file_size) {
    return Invalid("frame needs " + std::to_string(layout.frame_bytes) + " bytes, file has " +
                   std::to_string(file_size));
  }
  return layout;
}

}  // namespace vmi::display
