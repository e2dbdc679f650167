// The contract between display sources (the X framebuffer, guest surfaces)
// and their consumers (encoders, VNC, screenshots). The pipeline consumes
// every source the same way.
#pragma once

#include <cstdint>
#include <vector>

#include "base/result.h"

namespace vmi::display {

struct Rect {
  int x = 0, y = 0, w = 0, h = 0;
  bool operator==(const Rect&) const = default;
};

// A picture as consumers see it: 32-bit BGRX pixels (little-endian
// 0xXXRRGGBB words), `stride` bytes per row. The pixels belong to the source
// and stay valid until the next Capture() on that source.
struct FrameView {
  const uint8_t* pixels = nullptr;
  int width = 0;
  int height = 0;
  int stride = 0;
  // Regions changed since the previous Capture(); empty means unchanged.
  // The first capture reports the whole screen.
  std::vector<Rect> damage;
  uint64_t sequence = 0;        // increases by one per capture that had damage
  int64_t capture_time_us = 0;  // CLOCK_MONOTONIC
};

// Threads: a source is used by one thread at a time (the pipeline's capture
// thread); implementations document anything else.
class FrameSource {
 public:
  virtual ~FrameSource() = default;
  // Takes the current picture and its damage since the last call. The size
  // may change between calls (rotation); consumers must check it.
  virtual Result<FrameView> Capture() = 0;
  // An fd that becomes readable when new content may be available, or -1 if
  // the source has to be polled at the pacing rate.
  virtual int wait_fd() const { return -1; }
};

}  // namespace vmi::display
