// H264Encoder: BGRX screens to H.264 (x264) for WebCodecs decoders.
//
// Constrained-baseline profile, ultrafast preset, zerolatency tune: no
// B-frames, no lookahead, one picture in -> one access unit out. Annex-B with
// SPS/PPS repeated before every IDR so any keyframe starts a decoder. Rate
// control suits screen content: CRF capped by a VBV maximum bitrate with a
// short buffer (`vbv_ms`), changed on the fly by SetBitrate()
// (x264_encoder_reconfig). IDRs come only on demand (a viewer joins or lost
// data); the periodic refresh is an intra-refresh wave spread over
// `keyint_seconds`, so no frame is several times the size of its neighbours.
//
// Only the damaged part of a picture costs work: after the first picture,
// colour conversion (libyuv) touches only the damage rectangles (the I420
// picture persists between calls), and x264 is told which macroblocks are
// unchanged (mb_info X264_MBINFO_CONSTANT), which it codes as skips.
//
// Threads: one thread at a time (the pipeline's capture thread).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "devices/display/frame_source.h"
#include "stream/video/encoded_frame.h"

namespace vmi::video {

struct H264Options {
  int width = 0, height = 0;  // odd sizes are cropped to even
  int fps = 30;
  int bitrate_kbps = 4000;  // VBV cap
  int crf = 26;             // quality when the cap is not binding
  // x264 sliced threads. 2 halves the encode time of a full-screen change
  // for about the same CPU; on mostly unchanged frames it costs about a
  // sixth more CPU (the threads' wake-ups; bench/stream/x264_area.sh).
  int threads = 2;
  int keyint_seconds = 10;  // period of the intra refresh (or of IDRs without it)
  bool intra_refresh = true;
  int vbv_ms = 100;         // VBV buffer: this much time at the capped bitrate
  // x264 preset (the tune is always zerolatency). "ultrafast" is cheapest;
  // "superfast"/"veryfast" trade CPU for fewer bytes on scrolling content.
  std::string preset = "ultrafast";
};

class H264Encoder {
 public:
  static Result<std::unique_ptr<H264Encoder>> Create(const H264Options& options);
  ~H264Encoder();
  H264Encoder(const H264Encoder&) = delete;
  H264Encoder& operator=(const H264Encoder&) = delete;

  // Encodes one picture; its size must equal the encoder's (the pipeline
  // recreates the encoder when the screen size changes). `view.damage` must
  // cover every pixel changed since the previous Encode() (the first call
  // converts the whole picture whatever it says).
  Result<EncodedFrame> Encode(const display::FrameView& view, bool force_keyframe);
  Result<void> SetBitrate(int kbps);

  int width() const { return width_; }
  int height() const { return height_; }
  int bitrate_kbps() const { return bitrate_kbps_; }
  // RFC 6381 codec string from the SPS ("avc1.42C01F"); set after the first
  // Encode().
  const std::string& codec_string() const { return codec_string_; }

 private:
  struct Impl;
  explicit H264Encoder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  int width_ = 0, height_ = 0;
  int bitrate_kbps_ = 0;
  int vbv_ms_ = 100;
  std::string codec_string_;
};

// "avc1.PPCCLL" from an SPS NAL unit (first byte = NAL header); empty if the
// unit is too short.
std::string CodecStringFromSps(const uint8_t* nal, size_t size);

}  // namespace vmi::video
