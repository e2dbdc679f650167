// Screenshots: a FrameView encoded as PNG (8-bit RGB, no alpha) with libpng.
// Used by `vmi screenshot` and the HTTP screenshot endpoint.
#pragma once

#include <string>

#include "base/result.h"
#include "devices/display/frame_source.h"

namespace vmi::display {

// Encodes the whole frame (damage is ignored). Fast compression level: a
// 720x1280 screenshot takes a few milliseconds. kInvalidArgument for an
// empty or inconsistent view.
Result<std::string> EncodePng(const FrameView& frame);

// Decodes a PNG into BGRX pixels (stride width*4); for tests and tools.
struct DecodedImage {
  int width = 0;
  int height = 0;
  std::string bgrx;
};
Result<DecodedImage> DecodePng(const std::string& png);

}  // namespace vmi::display
