#include "stream/video/h264_encoder.h"

#include <libyuv/convert.h>
#include <stdint.h>
#include <x264.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace vmi::video {

struct H264Encoder::Impl {
  x264_t* enc = nullptr;
  x264_param_t param{};
  x264_picture_t pic{};
  bool pic_allocated = false;
  bool converted = false;  // pic holds a whole converted picture
  int64_t pts = 0;
  std::vector<uint8_t> mb_info;  // one byte per macroblock, X264_MBINFO_*
  ~Impl() {
    if (pic_allocated) x264_picture_clean(&pic);
    if (enc) x264_encoder_close(enc);
  }
};

std::string CodecStringFromSps(const uint8_t* nal, size_t size) {
  if (size < 4) return {};
  char buf[16];
  std::snprintf(buf, sizeof(buf), "avc1.%02X%02X%02X", nal[1], nal[2], nal[3]);
  return buf;
}

namespace {

int VbvBufferKbit(int kbps, int ms) {
  return std::max(1, static_cast<int>(static_cast<int64_t>(kbps) * std::max(ms, 1) / 1000));
}

}  // namespace

H264Encoder::H264Encoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
H264Encoder::~H264Encoder() = default;

Result<std::unique_ptr<H264Encoder>> H264Encoder::Create(const H264Options& o) {
  int w = o.width & ~1, h = o.height & ~1;
  if (w < 16 || h < 16 || w > 8192 || h > 8192)
    return Error(ErrorCode::kInvalidArgument,
                 "h264: unsupported size " + std::to_string(o.width) + "x" +
                     std::to_string(o.height));
  auto impl = std::make_unique<Impl>();
  x264_param_t& p = impl->param;
  if (x264_param_default_preset(&p, o.preset.c_str(), "zerolatency") < 0)
    return Error(ErrorCode::kInternal, "h264: unknown x264 preset " + o.preset);
  p.i_width = w;
  p.i_height = h;
  p.i_csp = X264_CSP_I420;
  p.i_fps_num = o.fps > 0 ? o.fps : 30;
  p.i_fps_den = 1;
  p.i_timebase_num = 1;
  p.i_timebase_den = 1000000;  // pts in microseconds
  // Frames arrive only when the screen changed, yet b_vfr_input stays 0:
  // with it x264 holds one frame back to learn its duration, which costs a
  // frame of latency. Rate control then assumes `fps`, which only makes the
  // VBV cap conservative when fewer frames come.
  p.b_vfr_input = 0;
  p.i_threads = o.threads > 0 ? o.threads : 1;
  p.b_sliced_threads = p.i_threads > 1;
  p.i_bframe = 0;
  p.b_repeat_headers = 1;
  p.b_annexb = 1;
  p.i_keyint_max = p.i_fps_num * (o.keyint_seconds > 0 ? o.keyint_seconds : 10);
  p.i_keyint_min = 1;
  p.i_scenecut_threshold = 0;  // keyframes only on demand or by interval
  // A wave of intra macroblocks crossing the picture once per keyint instead
  // of a periodic IDR: the same refresh, without a frame ten times the size
  // of the others (which is what queues up behind it on a link or in a
  // decoder).
  p.b_intra_refresh = o.intra_refresh ? 1 : 0;
  // Unchanged macroblocks named per picture (Encode()).
  p.analyse.b_mb_info = 1;
  p.rc.i_rc_method = X264_RC_CRF;
  p.rc.f_rf_constant = static_cast<float>(o.crf);
  p.rc.i_vbv_max_bitrate = o.bitrate_kbps;
  // A short buffer: a frame can borrow at most `vbv_ms` of the cap, so a
  // burst of change costs quality for a few frames rather than delay.
  p.rc.i_vbv_buffer_size = VbvBufferKbit(o.bitrate_kbps, o.vbv_ms);
  p.i_log_level = X264_LOG_ERROR;
  // libyuv's ARGBToI420 produces limited-range BT.601; say so in the VUI,
  // or browsers guess (Chromium assumes BT.709 and shifts colours).
  p.vui.b_fullrange = 0;
  p.vui.i_colorprim = 6;  // SMPTE 170M
  p.vui.i_transfer = 6;
  p.vui.i_colmatrix = 6;
  if (x264_param_apply_profile(&p, "baseline") < 0)
    return Error(ErrorCode::kInternal, "h264: baseline profile rejected");
  impl->enc = x264_encoder_open(&p);
  if (!impl->enc) return Error(ErrorCode::kInternal, "h264: x264_encoder_open failed");
  if (x264_picture_alloc(&impl->pic, X264_CSP_I420, w, h) < 0)
    return Error(ErrorCode::kResourceExhausted, "h264: x264_picture_alloc failed");
  impl->pic_allocated = true;
  impl->mb_info.resize(static_cast<size_t>((w + 15) / 16) * ((h + 15) / 16));
  auto e = std::unique_ptr<H264Encoder>(new H264Encoder(std::move(impl)));
  e->width_ = w;
  e->height_ = h;
  e->bitrate_kbps_ = o.bitrate_kbps;
  e->vbv_ms_ = o.vbv_ms;
  return e;
}

Result<EncodedFrame> H264Encoder::Encode(const display::FrameView& v, bool force_keyframe) {
  if ((v.width & ~1) != width_ || (v.height & ~1) != height_)
    return Error(ErrorCode::kInvalidArgument, "h264: frame size changed");
  x264_picture_t& pic = impl_->pic;
  x264_image_t& img = pic.img;
  // libyuv's "ARGB" is B,G,R,A in memory: exactly our BGRX. The first
  // picture is converted whole; later ones only where damaged, widened to
  // even coordinates for 4:2:0 (the rest of the I420 picture is unchanged).
  auto convert = [&](int x, int y, int w, int h) {
    const uint8_t* src = v.pixels + static_cast<size_t>(y) * v.stride + static_cast<size_t>(x) * 4;
    return libyuv::ARGBToI420(src, v.stride, img.plane[0] + y * img.i_stride[0] + x,
                              img.i_stride[0], img.plane[1] + (y / 2) * img.i_stride[1] + x / 2,
                              img.i_stride[1], img.plane[2] + (y / 2) * img.i_stride[2] + x / 2,
                              img.i_stride[2], w, h) == 0;
  };
  const int mbw = (width_ + 15) / 16, mbh = (height_ + 15) / 16;
  uint8_t* mb_info = nullptr;
  if (!impl_->converted) {
    if (!convert(0, 0, width_, height_))
      return Error(ErrorCode::kInternal, "h264: colour conversion failed");
    impl_->converted = true;
  } else {
    std::fill(impl_->mb_info.begin(), impl_->mb_info.end(), uint8_t{X264_MBINFO_CONSTANT});
    for (const display::Rect& r : v.damage) {
      int x0 = std::clamp(r.x, 0, width_) & ~1, y0 = std::clamp(r.y, 0, height_) & ~1;
      int x1 = std::min(r.x + r.w, width_), y1 = std::min(r.y + r.h, height_);
      x1 = std::min((x1 + 1) & ~1, width_);
      y1 = std::min((y1 + 1) & ~1, height_);
      if (x1 <= x0 || y1 <= y0) continue;
      if (!convert(x0, y0, x1 - x0, y1 - y0))
        return Error(ErrorCode::kInternal, "h264: colour conversion failed");
      for (int my = y0 / 16; my <= (y1 - 1) / 16 && my < mbh; ++my)
        std::fill_n(impl_->mb_info.begin() + my * mbw + x0 / 16, (x1 - 1) / 16 - x0 / 16 + 1,
                    uint8_t{0});
    }
    mb_info = impl_->mb_info.data();
  }
  pic.prop.mb_info = mb_info;
  pic.prop.mb_info_free = nullptr;
  // Strictly increasing pts; capture time when it moves forward.
  int64_t pts = v.capture_time_us > impl_->pts ? v.capture_time_us : impl_->pts + 1;
  impl_->pts = pts;
  pic.i_pts = pts;
  pic.i_type = force_keyframe ? X264_TYPE_IDR : X264_TYPE_AUTO;
  x264_nal_t* nals = nullptr;
  int n_nals = 0;
  x264_picture_t out{};
  int size = x264_encoder_encode(impl_->enc, &nals, &n_nals, &pic, &out);
  if (size < 0) return Error(ErrorCode::kInternal, "h264: x264_encoder_encode failed");
  EncodedFrame f;
  f.codec = Codec::kH264;
  // An IDR slice, not out.b_keyframe: with intra refresh x264 also flags
  // the start of each refresh wave, which a decoder cannot start from.
  f.keyframe = false;
  f.capture_time_us = v.capture_time_us;
  f.sequence = v.sequence;
  f.width = width_;
  f.height = height_;
  f.rect = {0, 0, width_, height_};
  // With b_annexb the payloads are contiguous; copy them in one go.
  if (size > 0) f.data.assign(nals[0].p_payload, nals[0].p_payload + size);
  for (int i = 0; i < n_nals; ++i) {
    if (nals[i].i_type == NAL_SLICE_IDR) f.keyframe = true;
    if (nals[i].i_type == NAL_SPS && codec_string_.empty()) {
      // Skip the start code (3 or 4 bytes) to reach the NAL header.
      const uint8_t* p = nals[i].p_payload;
      int len = nals[i].i_payload;
      int sc = (len > 4 && p[2] == 1) ? 3 : 4;
      codec_string_ = CodecStringFromSps(p + sc, len - sc);
    }
  }
  f.codec_string = codec_string_;
  return f;
}

Result<void> H264Encoder::SetBitrate(int kbps) {
  if (kbps <= 0) return Error(ErrorCode::kInvalidArgument, "h264: bitrate must be positive");
  if (kbps == bitrate_kbps_) return Ok();
  x264_param_t p = impl_->param;
  x264_encoder_parameters(impl_->enc, &p);
  p.rc.i_vbv_max_bitrate = kbps;
  p.rc.i_vbv_buffer_size = VbvBufferKbit(kbps, vbv_ms_);
  if (x264_encoder_reconfig(impl_->enc, &p) < 0)
    return Error(ErrorCode::kInternal, "h264: x264_encoder_reconfig failed");
  bitrate_kbps_ = kbps;
  return Ok();
}

}  // namespace vmi::video
