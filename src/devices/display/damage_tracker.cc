#include "devices/display/damage_tracker.h"

#include <algorithm>
#include <cstring>

namespace vmi::display {

DamageTracker::DamageTracker(const DamageOptions& options)
    : tile_w_(std::max(1, options.tile_width)),
      tile_h_(std::max(1, options.tile_height)),
      simd_(options.simd),
      row_diff_(GetRowDiff(options.simd)) {}

std::vector<Rect> DamageTracker::Update(const uint8_t* pixels, int width, int height,
                                        int stride, const std::vector<Rect>* hint) {
  const size_t row_bytes = static_cast<size_t>(width) * 4;
  if (!valid_ || width != width_ || height != height_) {
    width_ = width;
    height_ = height;
    cols_ = (width + tile_w_ - 1) / tile_w_;
    rows_ = (height + tile_h_ - 1) / tile_h_;
    shadow_.assign(row_bytes * height, 0);
    grid_.assign(static_cast<size_t>(cols_) * rows_, 0);
    for (int y = 0; y < height; ++y) {
      std::memcpy(&shadow_[row_bytes * y], pixels + static_cast<size_t>(stride) * y, row_bytes);
    }
    valid_ = true;
    if (width == 0 || height == 0) return {};
    return {Rect{0, 0, width, height}};
  }

  const size_t seg_bytes = static_cast<size_t>(tile_w_) * 4;
  bool any = false;
  for (int r = 0; r < rows_; ++r) {
    uint8_t* dirty = &grid_[static_cast<size_t>(r) * cols_];
    const int y0 = r * tile_h_;
    const int y1 = std::min(height, y0 + tile_h_);
    if (hint) {
      // 2 = not a candidate: row_diff skips non-zero entries.
      std::memset(dirty, 2, cols_);
      bool any_candidate = false;
      for (const auto& h : *hint) {
        if (h.w <= 0 || h.h <= 0 || h.y >= y1 || h.y + h.h <= y0) continue;
        const int c0 = std::max(0, h.x / tile_w_);
        const int c1 = std::min(cols_ - 1, (h.x + h.w - 1) / tile_w_);
        for (int c = c0; c <= c1; ++c) dirty[c] = 0;
        any_candidate = any_candidate || c0 <= c1;
      }
      if (!any_candidate) {
        std::memset(dirty, 0, cols_);
        continue;
      }
    } else {
      std::memset(dirty, 0, cols_);
    }
    for (int y = y0; y < y1; ++y) {
      row_diff_(pixels + static_cast<size_t>(stride) * y, &shadow_[row_bytes * y], row_bytes,
                seg_bytes, dirty);
    }
    if (hint) {
      for (int c = 0; c < cols_; ++c) dirty[c] = dirty[c] == 1;
    }
    // Copy each run of changed tiles of this band into the shadow.
    for (int c = 0; c < cols_;) {
      if (!dirty[c]) {
        ++c;
        continue;
      }
      int e = c;
      while (e < cols_ && dirty[e]) ++e;
      any = true;
      const size_t off = seg_bytes * c;
      const size_t n = std::min(row_bytes, seg_bytes * e) - off;
      for (int y = y0; y < y1; ++y) {
        std::memcpy(&shadow_[row_bytes * y + off], pixels + static_cast<size_t>(stride) * y + off,
                    n);
      }
      c = e;
    }
  }
  if (!any) return {};
  return MergeTiles(grid_, cols_, rows_, tile_w_, tile_h_, width_, height_);
}

std::vector<Rect> MergeTiles(const std::vector<uint8_t>& grid, int cols, int rows, int tile_w,
                             int tile_h, int width, int height) {
  struct Open {
    int c0, c1;  // tile columns [c0, c1)
    int r0;      // first tile row
    bool continued;
  };
  std::vector<Rect> out;
  std::vector<Open> open, next;
  auto close = [&](const Open& o, int r_end) {
    Rect rect;
    rect.x = o.c0 * tile_w;
    rect.y = o.r0 * tile_h;
    rect.w = std::min(width, o.c1 * tile_w) - rect.x;
    rect.h = std::min(height, r_end * tile_h) - rect.y;
    out.push_back(rect);
  };
  for (int r = 0; r < rows; ++r) {
    const uint8_t* row = &grid[static_cast<size_t>(r) * cols];
    next.clear();
    for (auto& o : open) o.continued = false;
    size_t k = 0;  // open runs are sorted by c0, as are this row's runs
    for (int c = 0; c < cols;) {
      if (!row[c]) {
        ++c;
        continue;
      }
      int e = c;
      while (e < cols && row[e]) ++e;
      while (k < open.size() && open[k].c0 < c) ++k;
      if (k < open.size() && open[k].c0 == c && open[k].c1 == e) {
        open[k].continued = true;
        next.push_back(open[k]);
      } else {
        next.push_back(Open{c, e, r, true});
      }
      c = e;
    }
    for (const auto& o : open) {
      if (!o.continued) close(o, r);
    }
    open.swap(next);
  }
  for (const auto& o : open) close(o, rows);
  return out;
}

}  // namespace vmi::display
