// PreviewEncoder: the low-resolution, low-rate H.264 stream of an instance,
// shared by every wall tile and thumbnail that watches it (Codec::kH264Preview
// viewers), so a page of many phones decodes small pictures.
//
// Each picture is scaled down by `divisor` (libyuv box filter, BGRX) and
// encoded whole by an H264Encoder of that size; the pipeline calls Encode at
// most `fps` times a second and only when the screen changed.
//
// Threads: one thread at a time (the pipeline's capture thread).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "base/result.h"
#include "devices/display/frame_source.h"
#include "stream/video/encoded_frame.h"
#include "stream/video/h264_encoder.h"

namespace vmi::video {

struct PreviewOptions {
  int divisor = 3;         // 720x1280 -> 240x426
  int fps = 10;
  int bitrate_kbps = 500;
  int crf = 28;
};

class PreviewEncoder {
 public:
  explicit PreviewEncoder(PreviewOptions options) : options_(options) {}

  // The preview's size for a screen of w x h (even, at least 16x16).
  static void SizeFor(int w, int h, int divisor, int* pw, int* ph);

  // Scales and encodes the whole picture; recreates the encoder (starting
  // with an IDR) when the screen size changed.
  Result<EncodedFrame> Encode(const display::FrameView& view, bool force_keyframe);
  const PreviewOptions& options() const { return options_; }

 private:
  const PreviewOptions options_;
  std::unique_ptr<H264Encoder> encoder_;
  std::vector<uint8_t> scaled_;  // BGRX, width * 4 per row
  int screen_w_ = 0, screen_h_ = 0;
};

}  // namespace vmi::video
