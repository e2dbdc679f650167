// EncodedFrame: one compressed picture as the pipeline fans it out.
//
// Frames are immutable once published and shared by every viewer that queues
// them, hence the shared_ptr<const EncodedFrame> alias: the last viewer to
// send (or drop) a frame frees it, whichever that is.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "devices/display/frame_source.h"

namespace vmi::video {

enum class Codec : uint8_t {
  kH264 = 0,  // Annex-B access units, SPS/PPS repeated before each IDR.
  kJpeg = 1,  // One JPEG image covering `rect` of the screen.
  // H.264 as kH264, of a scaled-down picture at a low rate (PreviewEncoder):
  // for wall tiles and thumbnails.
  kH264Preview = 2,
};

// One region picture of a region frame (region_streams.h): an access unit
// of the region's own H.264 stream, drawn at `rect` of the screen.
struct RegionPart {
  uint16_t id = 0;        // the region's stream; a new id starts with an IDR
  display::Rect rect;     // on the screen; the region stream's picture size
  bool keyframe = false;  // an IDR of the region's stream
  size_t offset = 0, size = 0;  // its bytes in EncodedFrame::data; 0: unchanged
};

struct EncodedFrame {
  Codec codec = Codec::kH264;
  // H.264: an IDR picture (decodable alone). JPEG: the image covers the whole
  // screen. A viewer that lost data waits for one of these.
  bool keyframe = false;
  int64_t capture_time_us = 0;  // CLOCK_MONOTONIC, from the source
  uint64_t sequence = 0;        // the source's capture sequence
  int width = 0, height = 0;    // the screen (coded picture) size
  display::Rect rect;           // JPEG: the area the image covers
  std::string codec_string;     // e.g. "avc1.42C01F" or "jpeg"
  std::vector<uint8_t> data;
  // H.264 only. Empty: `data` is an access unit of the full-screen stream.
  // Otherwise `data` holds these region pictures back to back (every live
  // region is listed, those without a change with size 0), and the full
  // stream has not seen this frame's damage yet (it catches up with a
  // P-frame when region mode ends).
  std::vector<RegionPart> regions;
  // The frame as a transport message, built once by the pipeline's
  // `serialize` hook (PipelineOptions) so every viewer sends the same buffer.
  std::shared_ptr<const std::string> wire;
};

using FramePtr = std::shared_ptr<const EncodedFrame>;

}  // namespace vmi::video
