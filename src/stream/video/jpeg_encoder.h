// JpegEncoder: the fallback for viewers without WebCodecs. Encodes a
// rectangle of a BGRX screen as one baseline JPEG (jpeg_codec.h: libjpeg's
// API, not libturbojpeg's, which LibVNCServer shadows in the daemon).
//
// Threads: one thread at a time (the pipeline's capture thread).
#pragma once

#include <memory>

#include "base/result.h"
#include "devices/display/frame_source.h"
#include "stream/video/encoded_frame.h"

namespace vmi::video {

class JpegEncoder {
 public:
  static Result<std::unique_ptr<JpegEncoder>> Create(int quality = 75);
  ~JpegEncoder();
  JpegEncoder(const JpegEncoder&) = delete;
  JpegEncoder& operator=(const JpegEncoder&) = delete;

  // Encodes `rect` (clipped to the screen) of `view`. keyframe is set when the
  // rect covers the whole screen.
  Result<EncodedFrame> Encode(const display::FrameView& view, display::Rect rect);

 private:
  JpegEncoder() = default;
  int quality_ = 75;
};

// The smallest rectangle holding every rect of `damage`, clipped to w x h.
display::Rect BoundingBox(const std::vector<display::Rect>& damage, int w, int h);

}  // namespace vmi::video
