#include "devices/display/thumbnail.h"

#include <libyuv/scale_argb.h>
#include <turbojpeg.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include "devices/display/png.h"

namespace vmi::display {

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

namespace {

Result<std::string> EncodeJpeg(const FrameView& f, int quality) {
  tjhandle h = tjInitCompress();
  if (!h) return Error(ErrorCode::kInternal, "jpeg: tjInitCompress failed");
  unsigned char* out = nullptr;
  unsigned long size = 0;
  int rc = tjCompress2(h, f.pixels, f.width, f.stride, f.height, TJPF_BGRX, &out, &size,
                       TJSAMP_420, std::clamp(quality, 1, 100), TJFLAG_FASTDCT);
  std::string why = rc != 0 ? tjGetErrorStr2(h) : "";
  tjDestroy(h);
  if (rc != 0) {
    if (out) tjFree(out);
    return Error(ErrorCode::kInternal, "jpeg: " + why);
  }
  std::string data(reinterpret_cast<const char*>(out), size);
  tjFree(out);
  return data;
}

}  // namespace

Result<EncodedImage> EncodeScreenshot(const FrameView& frame, const ScreenshotOptions& options) {
  if (!frame.pixels || frame.width <= 0 || frame.height <= 0 || frame.stride < frame.width * 4)
    return Error(ErrorCode::kInvalidArgument, "screenshot: empty or inconsistent frame");
  FrameView view = frame;
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
    out.data = VMI_TRY(EncodeJpeg(view, options.jpeg_quality));
    out.content_type = "image/jpeg";
  } else {
    out.data = VMI_TRY(EncodePng(view));
    out.content_type = "image/png";
  }
  return out;
}

}  // namespace vmi::display
