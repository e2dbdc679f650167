// RegionStreams: a small change encoded as small pictures.
//
// x264's cost follows the area it encodes, not the area that changed: a
// 160x160 box animating on a still 720x1280 screen costs a whole-screen
// encode per frame even when every other macroblock is a skip
// (bench/stream/x264_area.sh: 1.97 ms a frame whole, 0.21 ms as two small
// pictures). So while the damage stays inside a few small rectangles
// ("regions", at most `max_regions`, together at most 1/`max_area_divisor`
// of the screen), each region has an H264Encoder of its own, fed a view of
// the screen cut to the region, and only the regions with damage are
// encoded. A new region starts with an IDR of its own size (a few KB).
//
// The full-screen stream pauses meanwhile. Any damage that does not fit
// (too large, too many rectangles), a keyframe request or a new size ends
// region mode: the caller encodes the full stream with all the damage it
// missed (a P-frame that covers the regions' content as well) and calls
// Reset(). The client draws region pictures over its canvas at their offset
// and a full picture over everything, each in arrival order, so the canvas
// always shows the screen as of the last frame.
//
// Threads: one thread at a time (the pipeline's capture thread).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "devices/display/frame_source.h"
#include "stream/video/encoded_frame.h"
#include "stream/video/h264_encoder.h"

namespace vmi::video {

struct RegionOptions {
  int max_regions = 4;
  int max_area_divisor = 4;  // regions together cover at most area / this
  // Encoder settings of each region (threads: always 1; small pictures).
  int crf = 26;
  std::string preset = "ultrafast";
  int fps = 30;
  int min_bitrate_kbps = 1000;  // VBV cap floor, so a region's IDR is not starved
};

// The regions needed to cover `existing` plus `damage` on a width x height
// screen: damage rectangles are widened to the 16-pixel macroblock grid; one
// contained in an existing region changes nothing, others are merged with
// every region they overlap. Returns nothing when the result has more than
// `max_regions` rectangles or covers more than `max_area` pixels. Regions
// of `existing` that were not merged are returned unchanged, in order.
std::optional<std::vector<display::Rect>> PlanRegions(const std::vector<display::Rect>& existing,
                                                      const std::vector<display::Rect>& damage,
                                                      int width, int height, int max_regions,
                                                      int64_t max_area);

class RegionStreams {
 public:
  explicit RegionStreams(RegionOptions options) : options_(std::move(options)) {}

  // Encodes the picture's damage as region pictures (one EncodedFrame whose
  // `regions` list every live region, with a picture where it changed), or
  // returns nullopt when the damage does not suit
  // regions (the caller encodes the full stream, then calls Reset()).
  // `full_kbps` is the full stream's VBV cap, shared out by area.
  Result<std::optional<EncodedFrame>> Encode(const display::FrameView& view,
                                             const std::string& codec_string, int full_kbps);
  // Region mode ends: the regions' encoders are freed.
  void Reset() { regions_.clear(); }
  bool active() const { return !regions_.empty(); }
  uint64_t encoder_inits() const { return encoder_inits_; }

 private:
  struct Region {
    uint16_t id = 0;
    display::Rect rect;
    std::unique_ptr<H264Encoder> encoder;
  };
  const RegionOptions options_;
  std::vector<Region> regions_;
  uint16_t next_id_ = 1;
  uint64_t encoder_inits_ = 0;
};

}  // namespace vmi::video
