#include "stream/video/jpeg_encoder.h"

#include <turbojpeg.h>

#include <algorithm>

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
  e->handle_ = tjInitCompress();
  if (!e->handle_) return Error(ErrorCode::kInternal, "jpeg: tjInitCompress failed");
  e->quality_ = std::clamp(quality, 1, 100);
  return e;
}

JpegEncoder::~JpegEncoder() {
  if (handle_) tjDestroy(handle_);
}

Result<EncodedFrame> JpegEncoder::Encode(const display::FrameView& v, display::Rect r) {
  r = BoundingBox({r}, v.width, v.height);
  if (r.w == 0) return Error(ErrorCode::kInvalidArgument, "jpeg: empty rectangle");
  const uint8_t* src = v.pixels + static_cast<size_t>(r.y) * v.stride + r.x * 4;
  unsigned char* out = nullptr;
  unsigned long out_size = 0;
  if (tjCompress2(handle_, src, r.w, v.stride, r.h, TJPF_BGRX, &out, &out_size, TJSAMP_420,
                  quality_, TJFLAG_FASTDCT) != 0) {
    std::string why = tjGetErrorStr2(handle_);
    if (out) tjFree(out);
    return Error(ErrorCode::kInternal, "jpeg: " + why);
  }
  EncodedFrame f;
  f.codec = Codec::kJpeg;
  f.keyframe = r.x == 0 && r.y == 0 && r.w == v.width && r.h == v.height;
  f.capture_time_us = v.capture_time_us;
  f.sequence = v.sequence;
  f.width = v.width;
  f.height = v.height;
  f.rect = r;
  f.codec_string = "jpeg";
  f.data.assign(out, out + out_size);
  tjFree(out);
  return f;
}

}  // namespace vmi::video
