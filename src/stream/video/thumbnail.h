// Screenshots in the size and format a caller asks for: the console polls a
// grid of instances with small thumbnails (GET .../screenshot?max_width=N,
// optionally &format=jpeg), so the picture is scaled down on the host
// (libyuv box filter) before it is encoded, and JPEG (libjpeg, through
// stream/video/jpeg_codec.h) is offered next to PNG because it is several
// times smaller for screen content at thumbnail sizes.
//
// Threads: none; the functions are reentrant.
#pragma once

#include <string>

#include "base/result.h"
#include "devices/display/frame_source.h"

namespace vmi::video {

enum class ImageFormat { kPng, kJpeg };

struct ScreenshotOptions {
  // Scale down to at most this width, keeping the aspect ratio (height
  // rounded, at least 1). 0: the frame's own size. Never scales up.
  int max_width = 0;
  ImageFormat format = ImageFormat::kPng;
  int jpeg_quality = 80;  // 1..100
};

// The widest thumbnail a caller may ask for (a 4K frame is the largest
// screen an instance has).
constexpr int kMaxScreenshotWidth = 4096;

struct EncodedImage {
  std::string data;
  const char* content_type = "image/png";
  int width = 0, height = 0;
};

// Parses the query values `max_width` and `format` ("png" | "jpeg" | "jpg");
// absent values keep the defaults. kInvalidArgument for anything else.
Result<ScreenshotOptions> ParseScreenshotOptions(const std::string* max_width,
                                                 const std::string* format);

// Scales (if asked) and encodes the whole frame; damage is ignored.
// kInvalidArgument for an empty or inconsistent frame.
Result<EncodedImage> EncodeScreenshot(const display::FrameView& frame, const ScreenshotOptions& options);

}  // namespace vmi::video
