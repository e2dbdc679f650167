// DamageTracker: finds what changed in a framebuffer by comparing it, tile by
// tile, with a shadow copy of the previous picture, and keeps the shadow up
// to date. The shadow is also the stable picture handed to consumers: the
// live framebuffer keeps changing under them, the shadow only changes on the
// next Update().
//
// Cost: a still screen is one vectorised pass over the frame (no copies); a
// changed tile is compared up to its first differing row and then copied.
//
// Threads: one thread at a time.
#pragma once

#include <cstdint>
#include <vector>

#include "devices/display/frame_source.h"
#include "devices/display/row_diff.h"

namespace vmi::display {

struct DamageOptions {
  int tile_width = 64;   // pixels
  int tile_height = 16;  // rows
  SimdLevel simd = DetectSimdLevel();
};

class DamageTracker {
 public:
  explicit DamageTracker(const DamageOptions& options = {});

  // Compares `pixels` (BGRX, `stride` bytes per row) with the shadow, copies
  // the changed tiles into it and returns them merged into rectangles. The
  // first call, a call after Reset() and a size change report the whole
  // frame. With `hint`, only tiles that overlap one of its rectangles are
  // compared; the rest are taken as unchanged (the X server said so).
  std::vector<Rect> Update(const uint8_t* pixels, int width, int height, int stride,
                           const std::vector<Rect>* hint = nullptr);
  // Makes the next Update() report the whole frame.
  void Reset() { valid_ = false; }
  // False before the first Update() and after Reset().
  bool valid() const { return valid_; }

  const uint8_t* shadow() const { return shadow_.data(); }
  int shadow_stride() const { return width_ * 4; }
  int width() const { return width_; }
  int height() const { return height_; }
  SimdLevel simd() const { return simd_; }

 private:
  int tile_w_;
  int tile_h_;
  SimdLevel simd_;
  RowDiffFn row_diff_;
  bool valid_ = false;
  int width_ = 0;
  int height_ = 0;
  int cols_ = 0;
  int rows_ = 0;
  std::vector<uint8_t> shadow_;
  std::vector<uint8_t> grid_;  // rows_ x cols_, 1 = changed in this Update
};

// Merges a grid of changed tiles (row-major, `cols` x `rows`, non-zero =
// changed) into rectangles in pixels, clipped to width x height: horizontal
// runs per tile row, stacked vertically while a run keeps the same columns.
// The rectangles cover exactly the changed tiles and never overlap.
std::vector<Rect> MergeTiles(const std::vector<uint8_t>& grid, int cols, int rows, int tile_w,
                             int tile_h, int width, int height);

}  // namespace vmi::display
