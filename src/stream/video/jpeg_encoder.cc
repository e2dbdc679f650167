#include "stream/video/jpeg_encoder.h"

#include <algorithm>

#include "stream/video/jpeg_codec.h"

namespace vmi::video {

display::Rect BoundingBox(const std::vector<display::Rect>& damage, int w, int h) {
  int x0 = w, y0 = h, x1 = 0, y1 = 0;
  for (const auto& r : damage) {
    x0 = std::min(x0, std::max(r.x, 0));
    y0 = std::min(y0, std::max(r.y, 0));
    x1 = std::max(x1, std::min(r.x + r.w, w));
    y1 = std::max(y1, std::min(r.y + r.h, h));
  }
  if (x1 <= x0 || y1 <= y0) return {};
  return {x0, y0, x1 - x0, y1 - y0};
}

Result<std::unique_ptr<JpegEncoder>> JpegEncoder::Create(int quality) {
  auto e = std::unique_ptr<JpegEncoder>(new JpegEncoder());
  e->quality_ = std::clamp(quality, 1, 100);
  return e;
}

JpegEncoder::~JpegEncoder() = default;

Result<EncodedFrame> JpegEncoder::Encode(const display::FrameView& v, display::Rect r) {
  r = BoundingBox({r}, v.width, v.height);
  if (r.w == 0) return Error(ErrorCode::kInvalidArgument, "jpeg: empty rectangle");
  auto data = VMI_TRY(CompressJpeg(v, r, quality_));
  EncodedFrame f;
  f.codec = Codec::kJpeg;
  f.keyframe = r.x == 0 && r.y == 0 && r.w == v.width && r.h == v.height;
  f.capture_time_us = v.capture_time_us;
  f.sequence = v.sequence;
  f.width = v.width;
  f.height = v.height;
  f.rect = r;
  f.codec_string = "jpeg";
  f.data.assign(data.begin(), data.end());
  return f;
}

}  // namespace vmi::video
