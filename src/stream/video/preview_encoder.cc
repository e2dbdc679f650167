#include "stream/video/preview_encoder.h"

#include <libyuv/scale_argb.h>

#include <algorithm>

namespace vmi::video {

void PreviewEncoder::SizeFor(int w, int h, int divisor, int* pw, int* ph) {
  int d = std::max(1, divisor);
  *pw = std::max(16, (w / d) & ~1);
  *ph = std::max(16, (h / d) & ~1);
}

Result<EncodedFrame> PreviewEncoder::Encode(const display::FrameView& v, bool force_keyframe) {
  int pw, ph;
  SizeFor(v.width, v.height, options_.divisor, &pw, &ph);
  bool fresh = false;
  if (!encoder_ || v.width != screen_w_ || v.height != screen_h_) {
    H264Options o;
    o.width = pw;
    o.height = ph;
    o.fps = options_.fps;
    o.bitrate_kbps = options_.bitrate_kbps;
    o.crf = options_.crf;
    o.threads = 1;  // small pictures: a second slice thread costs more than it saves
    auto enc = H264Encoder::Create(o);
    if (!enc.ok()) return enc.error();
    encoder_ = std::move(*enc);
    scaled_.assign(static_cast<size_t>(pw) * ph * 4, 0);
    screen_w_ = v.width;
    screen_h_ = v.height;
    fresh = true;
  }
  if (libyuv::ARGBScale(v.pixels, v.stride, v.width, v.height, scaled_.data(), pw * 4, pw, ph,
                        libyuv::kFilterBox) != 0)
    return Error(ErrorCode::kInternal, "preview: scaling failed");
  display::FrameView small;
  small.pixels = scaled_.data();
  small.width = pw;
  small.height = ph;
  small.stride = pw * 4;
  small.damage = {{0, 0, pw, ph}};  // the whole picture is rescaled each time
  small.sequence = v.sequence;
  small.capture_time_us = v.capture_time_us;
  auto f = encoder_->Encode(small, force_keyframe || fresh);
  if (!f.ok()) return f.error();
  f->codec = Codec::kH264Preview;
  return f;
}

}  // namespace vmi::video
