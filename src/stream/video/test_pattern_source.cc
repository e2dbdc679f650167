#include "stream/video/test_pattern_source.h"

#include <time.h>

#include <algorithm>

#include "base/clock.h"

namespace vmi::video {

TestPatternSource::TestPatternSource(int width, int height)
    : pending_w_(width), pending_h_(height) {}

void TestPatternSource::Resize(int width, int height) {
  std::lock_guard lock(mu_);
  pending_w_ = width;
  pending_h_ = height;
}

uint32_t TestPatternSource::BackgroundAt(int x, int y, int w, int h) {
  bool right = x >= w / 2, bottom = y >= h / 2;
  if (!bottom) return right ? kGreen : kRed;
  return right ? kWhite : kBlue;
}

display::Rect TestPatternSource::BoxRect(int pos) const {
  return {pos, height_ / 2 - kBox / 2, kBox, kBox};
}

Result<display::FrameView> TestPatternSource::Capture() {
  display::FrameView v;
  bool resized = false;
  {
    std::lock_guard lock(mu_);
    if (pending_w_ != width_ || pending_h_ != height_) {
      width_ = pending_w_;
      height_ = pending_h_;
      resized = true;
    }
  }
  if (resized || first_) {
    pixels_.assign(static_cast<size_t>(width_) * height_, 0);
    for (int y = 0; y < height_; ++y)
      for (int x = 0; x < width_; ++x)
        pixels_[static_cast<size_t>(y) * width_ + x] = BackgroundAt(x, y, width_, height_);
    box_x_ = -1;
    v.damage.push_back({0, 0, width_, height_});
    first_ = false;
  }
  if (animating_ && width_ > kBox) {
    int old = box_x_;
    int next = old < 0 ? 0 : (old + 8) % (width_ - kBox);
    // Erase the old box, draw the new one.
    auto paint = [&](display::Rect r, bool box) {
      for (int y = r.y; y < r.y + r.h; ++y)
        for (int x = r.x; x < r.x + r.w; ++x)
          pixels_[static_cast<size_t>(y) * width_ + x] =
              box ? kBlack : BackgroundAt(x, y, width_, height_);
    };
    if (old >= 0) {
      paint(BoxRect(old), false);
      v.damage.push_back(BoxRect(old));
    }
    paint(BoxRect(next), true);
    v.damage.push_back(BoxRect(next));
    box_x_ = next;
    if (animate_left_ > 0 && --animate_left_ == 0) animating_ = false;
  }
  if (!v.damage.empty()) ++sequence_;
  v.pixels = reinterpret_cast<const uint8_t*>(pixels_.data());
  v.width = width_;
  v.height = height_;
  v.stride = width_ * 4;
  v.sequence = sequence_;
  v.capture_time_us = MonotonicMicros();
  captures_++;
  return v;
}

}  // namespace vmi::video
