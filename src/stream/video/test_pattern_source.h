// TestPatternSource: a synthetic FrameSource with known content, for tests,
// the e2e test server and benchmarks that need no X server.
//
// The picture: four flat quadrants (top-left red, top-right green,
// bottom-left blue, bottom-right white) and, while animating, a 64x64 black
// box that moves one step per capture along the horizontal middle line.
// Damage is exact: the whole screen on the first capture and after a
// resize, the box's old and new squares while animating, nothing otherwise.
//
// Threads: Capture() on one thread; SetAnimating/Resize from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "devices/display/frame_source.h"

namespace vmi::video {

class TestPatternSource : public display::FrameSource {
 public:
  static constexpr int kBox = 64;
  static constexpr uint32_t kRed = 0xffff0000, kGreen = 0xff00ff00, kBlue = 0xff0000ff,
                            kWhite = 0xffffffff, kBlack = 0xff000000;

  TestPatternSource(int width, int height);
  Result<display::FrameView> Capture() override;

  void SetAnimating(bool on) { animating_ = on; }
  // Animates for the next `captures` captures, then stops with the box at a
  // known place: x = 8 * (captures - 1) % (width - kBox) (tests that check
  // the final picture).
  void AnimateFor(int captures) {
    animate_left_ = captures;
    animating_ = captures > 0;
  }
  // Takes effect on the next Capture().
  void Resize(int width, int height);
  // The colour at (x, y) of the static background.
  static uint32_t BackgroundAt(int x, int y, int width, int height);
  int captures() const { return captures_; }

 private:
  display::Rect BoxRect(int pos) const;

  std::atomic<bool> animating_{false};
  std::atomic<int> animate_left_{0};  // 0: no limit
  std::mutex mu_;
  int pending_w_ = 0, pending_h_ = 0;
  int width_ = 0, height_ = 0;
  std::vector<uint32_t> pixels_;
  int box_x_ = -1;  // -1: box not drawn
  bool first_ = true;
  uint64_t sequence_ = 0;
  std::atomic<int> captures_{0};
};

}  // namespace vmi::video
