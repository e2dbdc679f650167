#include "node/live/frame_hub.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "stream/video/test_pattern_source.h"

namespace vmi::node::live {
namespace {

using display::FrameView;
using display::Rect;
using video::TestPatternSource;

// The pixels of `f` equal the pattern with the box at `box` (or no box).
void ExpectPicture(const FrameView& f, const std::vector<uint32_t>& want) {
  ASSERT_EQ(want.size(), static_cast<size_t>(f.width) * f.height);
  for (int y = 0; y < f.height; ++y) {
    const auto* row =
        reinterpret_cast<const uint32_t*>(f.pixels + static_cast<size_t>(y) * f.stride);
    for (int x = 0; x < f.width; ++x) {
      ASSERT_EQ(row[x] & 0xffffff, want[y * f.width + x] & 0xffffff) << "at " << x << "," << y;
    }
  }
}

std::vector<uint32_t> Snapshot(const FrameView& f) {
  std::vector<uint32_t> out(static_cast<size_t>(f.width) * f.height);
  for (int y = 0; y < f.height; ++y)
    std::memcpy(&out[y * f.width], f.pixels + static_cast<size_t>(y) * f.stride, f.width * 4);
  return out;
}

bool Covers(const std::vector<Rect>& rects, int x, int y) {
  for (const auto& r : rects)
    if (x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h) return true;
  return false;
}

TEST(FrameHubTest, EachViewSeesTheDamageSinceItsOwnLastCapture) {
  TestPatternSource source(320, 240);
  source.SetAnimating(true);
  FrameHub hub([&]() -> display::FrameSource* { return &source; });
  auto a = hub.NewView();
  auto b = hub.NewView();

  auto fa = a->Capture();
  ASSERT_TRUE(fa.ok()) << fa.error().ToString();
  ASSERT_EQ(fa->damage.size(), 1u);  // first capture: the whole screen
  EXPECT_EQ(fa->damage[0], (Rect{0, 0, 320, 240}));

  auto fb = b->Capture();  // b's first capture is whole too, at the newer picture
  ASSERT_TRUE(fb.ok());
  EXPECT_EQ(fb->damage[0], (Rect{0, 0, 320, 240}));
  std::vector<uint32_t> b_old = Snapshot(*fb);

  // a captures several times: the box moves each time.
  std::vector<uint32_t> latest;
  for (int i = 0; i < 5; ++i) {
    fa = a->Capture();
    ASSERT_TRUE(fa.ok());
    EXPECT_FALSE(fa->damage.empty());
    latest = Snapshot(*fa);
  }
  // b's next capture is one source capture newer than a's last, and its
  // damage covers every pixel that changed since b's previous picture.
  fb = b->Capture();
  ASSERT_TRUE(fb.ok());
  std::vector<uint32_t> b_new = Snapshot(*fb);
  int changed = 0;
  for (int y = 0; y < 240; ++y) {
    for (int x = 0; x < 320; ++x) {
      if (b_old[y * 320 + x] != b_new[y * 320 + x]) {
        ++changed;
        ASSERT_TRUE(Covers(fb->damage, x, y))
            << "changed pixel " << x << "," << y << " not in damage";
      }
    }
  }
  EXPECT_GT(changed, 0);
  // a's pixels did not move under it while b captured: a's view still shows
  // what a's last capture returned.
  ExpectPicture(*fa, latest);
}

TEST(FrameHubTest, StillScreenReportsNoDamageAndKeepsPixels) {
  TestPatternSource source(64, 48);
  FrameHub hub([&]() -> display::FrameSource* { return &source; });
  auto v = hub.NewView();
  auto f = v->Capture();
  ASSERT_TRUE(f.ok());
  auto pic = Snapshot(*f);
  uint64_t seq = f->sequence;
  f = v->Capture();
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->damage.empty());
  EXPECT_EQ(f->sequence, seq);
  ExpectPicture(*f, pic);
  EXPECT_EQ(static_cast<uint32_t>(TestPatternSource::BackgroundAt(0, 0, 64, 48)) & 0xffffff,
            reinterpret_cast<const uint32_t*>(f->pixels)[0] & 0xffffff);
}

TEST(FrameHubTest, ResizeAndSourceSwitchReportTheWholeScreen) {
  TestPatternSource x(100, 200), other(60, 40);
  std::atomic<display::FrameSource*> current{&x};
  FrameHub hub([&]() -> display::FrameSource* { return current.load(); });
  auto a = hub.NewView();
  auto b = hub.NewView();
  ASSERT_TRUE(a->Capture().ok());
  ASSERT_TRUE(b->Capture().ok());

  x.Resize(200, 100);  // rotation
  auto fa = a->Capture();
  ASSERT_TRUE(fa.ok());
  EXPECT_EQ(fa->width, 200);
  EXPECT_EQ(fa->height, 100);
  ASSERT_EQ(fa->damage.size(), 1u);
  EXPECT_EQ(fa->damage[0], (Rect{0, 0, 200, 100}));
  auto fb = b->Capture();  // b did not see the resize capture: whole too
  ASSERT_TRUE(fb.ok());
  EXPECT_EQ(fb->width, 200);
  EXPECT_EQ(fb->damage[0], (Rect{0, 0, 200, 100}));

  current = &other;  // a surface guest presented
  fa = a->Capture();
  ASSERT_TRUE(fa.ok());
  EXPECT_EQ(fa->width, 60);
  EXPECT_EQ(fa->damage[0], (Rect{0, 0, 60, 40}));
  ExpectPicture(*fa, [] {
    std::vector<uint32_t> p(60 * 40);
    for (int y = 0; y < 40; ++y)
      for (int x = 0; x < 60; ++x) p[y * 60 + x] = TestPatternSource::BackgroundAt(x, y, 60, 40);
    return p;
  }());
}

TEST(FrameHubTest, NoSourceAndDetachAreUnavailable) {
  TestPatternSource source(32, 32);
  display::FrameSource* current = nullptr;
  FrameHub hub([&]() { return current; });
  auto v = hub.NewView();
  auto f = v->Capture();
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code(), ErrorCode::kUnavailable);
  current = &source;
  ASSERT_TRUE(v->Capture().ok());
  hub.Detach();
  int before = source.captures();
  f = v->Capture();
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(source.captures(), before);  // the source is not touched again
}

TEST(FrameHubTest, ConcurrentViewsNeverSeeTornPictures) {
  // Two consumer threads capture as fast as they can while the pattern
  // animates; each view's picture must always be a picture the source
  // produced (the background with exactly one box).
  TestPatternSource source(256, 128);
  source.SetAnimating(true);
  FrameHub hub([&]() -> display::FrameSource* { return &source; });
  std::atomic<int> bad{0};
  auto run = [&] {
    auto v = hub.NewView();
    for (int i = 0; i < 200; ++i) {
      auto f = v->Capture();
      if (!f.ok()) {
        bad++;
        continue;
      }
      // Count black pixels (the box): always a full 64x64 box.
      int black = 0;
      for (int y = 0; y < f->height; ++y) {
        auto* row =
            reinterpret_cast<const uint32_t*>(f->pixels + static_cast<size_t>(y) * f->stride);
        for (int x = 0; x < f->width; ++x) black += (row[x] & 0xffffff) == 0;
      }
      if (black != TestPatternSource::kBox * TestPatternSource::kBox) bad++;
    }
  };
  std::thread t1(run), t2(run);
  t1.join();
  t2.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace vmi::node::live
