#include "stream/video/thumbnail.h"

#include <libyuv/scale_argb.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include "devices/display/png.h"
#include "stream/video/jpeg_codec.h"

namespace vmi::video {

Result<ScreenshotOptions> ParseScreenshotOptions(const std::string* max_width,
                                                 const std::string* format) {
  ScreenshotOptions o;
  if (max_width) {
    int n = 0;
    const char* end = max_width->data() + max_width->size();
    auto [p, ec] = std::from_chars(max_width->data(), end, n);
    if (ec != std::errc() || p != end || n < 1 || n > kMaxScreenshotWidth)
      return Error(ErrorCode::kInvalidArgument,
                   "max_width must be a whole number from 1 to " +
                       std::to_string(kMaxScreenshotWidth));
    o.max_width = n;
  }
  if (format) {
    if (*format == "png") {
      o.format = ImageFormat::kPng;
    } else if (*format == "jpeg" || *format == "jpg") {
      o.format = ImageFormat::kJpeg;
    } else {
      return Error(ErrorCode::kInvalidArgument, "format must be png or jpeg");
    }
  }
  return o;
}

Result<EncodedImage> EncodeScreenshot(const display::FrameView& frame, const ScreenshotOptions& options) {
  if (!frame.pixels || frame.width <= 0 || frame.height <= 0 || frame.stride < frame.width * 4)
    return Error(ErrorCode::kInvalidArgument, "screenshot: empty or inconsistent frame");
  display::FrameView view = frame;
  view.damage.clear();
  std::vector<uint8_t> scaled;
  if (options.max_width > 0 && options.max_width < frame.width) {
    const int w = options.max_width;
    const int h = std::max(
        1, static_cast<int>((static_cast<int64_t>(frame.height) * w + frame.width / 2) /
                            frame.width));
    scaled.resize(static_cast<size_t>(w) * h * 4);
    // BGRX words are libyuv's "ARGB" (little-endian B, G, R, A bytes).
    if (libyuv::ARGBScale(frame.pixels, frame.stride, frame.width, frame.height, scaled.data(),
                          w * 4, w, h, libyuv::kFilterBox) != 0)
      return Error(ErrorCode::kInternal, "screenshot: scaling failed");
    view.pixels = scaled.data();
    view.width = w;
    view.height = h;
    view.stride = w * 4;
  }
  EncodedImage out;
  out.width = view.width;
  out.height = view.height;
  if (options.format == ImageFormat::kJpeg) {
    out.data = VMI_TRY(video::CompressJpeg(view, {0, 0, view.width, view.height},
                                           options.jpeg_quality));
    out.content_type = "image/jpeg";
  } else {
    out.data = VMI_TRY(display::EncodePng(view));
    out.content_type = "image/png";
  }
  return out;
}

}  // namespace vmi::video
