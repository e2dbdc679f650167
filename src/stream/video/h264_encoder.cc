#include "stream/video/h264_encoder.h"

#include <libyuv/convert.h>
#include <stdint.h>
#include <x264.h>

#include <cstdio>
#include <cstring>

namespace vmi::video {

struct H264Encoder::Impl {
  x264_t* enc = nullptr;
  x264_param_t param{};
  x264_picture_t pic{};
  bool pic_allocated = false;
  int64_t pts = 0;
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
  p.rc.i_rc_method = X264_RC_CRF;
  p.rc.f_rf_constant = static_cast<float>(o.crf);
  p.rc.i_vbv_max_bitrate = o.bitrate_kbps;
  // Half a second of buffer: enough for an IDR after a still period without
  // letting latency build up.
  p.rc.i_vbv_buffer_size = o.bitrate_kbps / 2;
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
  auto e = std::unique_ptr<H264Encoder>(new H264Encoder(std::move(impl)));
  e->width_ = w;
  e->height_ = h;
  e->bitrate_kbps_ = o.bitrate_kbps;
  return e;
}

Result<EncodedFrame> H264Encoder::Encode(const display::FrameView& v, bool force_keyframe) {
  if ((v.width & ~1) != width_ || (v.height & ~1) != height_)
    return Error(ErrorCode::kInvalidArgument, "h264: frame size changed");
  x264_picture_t& pic = impl_->pic;
  x264_image_t& img = pic.img;
  // libyuv's "ARGB" is B,G,R,A in memory: exactly our BGRX.
  if (libyuv::ARGBToI420(v.pixels, v.stride, img.plane[0], img.i_stride[0], img.plane[1],
                         img.i_stride[1], img.plane[2], img.i_stride[2], width_, height_) != 0)
    return Error(ErrorCode::kInternal, "h264: colour conversion failed");
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
  f.keyframe = out.b_keyframe != 0;
  f.capture_time_us = v.capture_time_us;
  f.sequence = v.sequence;
  f.width = width_;
  f.height = height_;
  f.rect = {0, 0, width_, height_};
  // With b_annexb the payloads are contiguous; copy them in one go.
  if (size > 0) f.data.assign(nals[0].p_payload, nals[0].p_payload + size);
  for (int i = 0; i < n_nals; ++i) {
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
  p.rc.i_vbv_buffer_size = kbps / 2;
  if (x264_encoder_reconfig(impl_->enc, &p) < 0)
    return Error(ErrorCode::kInternal, "h264: x264_encoder_reconfig failed");
  bitrate_kbps_ = kbps;
  return Ok();
}

}  // namespace vmi::video
