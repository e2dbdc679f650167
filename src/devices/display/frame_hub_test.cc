#include "devices/display/frame_hub.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "devices/display/testing/x_test_client.h"
#include "devices/display/testing/xvfb_server.h"
#include "devices/display/xwd_frame_source.h"
#include "stream/video/test_pattern_source.h"

namespace vmi::display {
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

bool Readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, timeout_ms) == 1;
}

// Captures until a capture reports no damage (the X server settled).
void Settle(display::FrameSource& v) {
  for (int i = 0; i < 50; ++i) {
    auto f = v.Capture();
    ASSERT_TRUE(f.ok()) << f.error().ToString();
    if (i > 0 && f->damage.empty()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL() << "the screen never settled";
}

TEST(FrameHubTest, ViewsWithoutASourceFdPollAtTheirRate) {
  TestPatternSource source(32, 32);
  FrameHub hub([&]() -> display::FrameSource* { return &source; });
  auto v = hub.NewView();
  EXPECT_EQ(v->wait_fd(), -1);
  ASSERT_TRUE(v->Capture().ok());
  EXPECT_EQ(v->wait_fd(), -1);  // the pattern has no fd: the consumer paces
}

// Against a real Xvfb and the XWD source with X DAMAGE: each view's wait fd
// is quiet on a still screen, and drawing wakes every view, including the
// one whose consumer captures after another view drained the X connection.
TEST(FrameHubTest, DrawingWakesEveryViewAndAStillScreenWakesNone) {
  display::testing::TempDir dir;
  auto x = display::testing::XvfbServer::Start(dir.path(), "320x240x24");
  ASSERT_TRUE(x.ok()) << x.error().ToString();
  auto client = display::testing::XTestClient::Open((*x)->display_name());
  ASSERT_TRUE(client.ok()) << client.error().ToString();
  (*client)->Fill(0, 0, 320, 240, 0x000000);

  display::XwdSourceOptions o;
  o.fb_path = (*x)->fb_path();
  o.x_socket = (*x)->socket_path();
  o.full_check_interval = std::chrono::hours(1);
  display::XwdFrameSource xwd(o);
  FrameHub hub([&]() -> display::FrameSource* { return &xwd; });
  auto a = hub.NewView();
  auto b = hub.NewView();
  ASSERT_NO_FATAL_FAILURE(Settle(*a));
  ASSERT_NO_FATAL_FAILURE(Settle(*b));
  ASSERT_GE(a->wait_fd(), 0);
  ASSERT_GE(b->wait_fd(), 0);
  EXPECT_NE(a->wait_fd(), b->wait_fd());
  EXPECT_FALSE(Readable(a->wait_fd(), 200));
  EXPECT_FALSE(Readable(b->wait_fd(), 0));

  (*client)->Fill(100, 100, 8, 8, 0x00ff00);
  ASSERT_TRUE(Readable(a->wait_fd(), 5000));
  auto fa = a->Capture();  // reads the X report: the socket is drained
  ASSERT_TRUE(fa.ok());
  ASSERT_FALSE(fa->damage.empty());
  EXPECT_FALSE(Readable(a->wait_fd(), 0));
  // b was not woken by the socket any more, but by a's capture.
  ASSERT_TRUE(Readable(b->wait_fd(), 0));
  auto fb = b->Capture();
  ASSERT_TRUE(fb.ok());
  EXPECT_TRUE(Covers(fb->damage, 104, 104));
  const uint32_t px = reinterpret_cast<const uint32_t*>(fb->pixels + 104 * fb->stride)[104];
  EXPECT_EQ(px & 0xffffff, 0x00ff00u);
  EXPECT_FALSE(Readable(b->wait_fd(), 200));
  EXPECT_FALSE(Readable(a->wait_fd(), 0));
}

}  // namespace
}  // namespace vmi::display
