// XwdFrameSource against a real Xvfb and a real X client drawing into it.
#include "devices/display/xwd_frame_source.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <cstring>
#include <set>
#include <thread>

#include "devices/display/screen_size.h"
#include "devices/display/testing/x_test_client.h"
#include "devices/display/testing/xvfb_server.h"

namespace vmi::display {
namespace {

using testing::TempDir;
using testing::XTestClient;
using testing::XvfbServer;

uint32_t PixelAt(const FrameView& f, int x, int y) {
  uint32_t v;
  std::memcpy(&v, f.pixels + static_cast<size_t>(f.stride) * y + 4 * x, 4);
  return v & 0xffffff;
}

// Captures until the frame is still (the X server settled) and returns it.
FrameView Settle(XwdFrameSource& src) {
  FrameView f;
  for (int i = 0; i < 50; ++i) {
    auto r = src.Capture();
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    if (!r.ok()) return f;
    f = std::move(*r);
    if (f.damage.empty() && i > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return f;
}

class XwdFrameSourceTest : public ::testing::Test {
 protected:
  void StartX(const std::string& screen = "720x1280x24") {
    auto x = XvfbServer::Start(dir_.path(), screen);
    ASSERT_TRUE(x.ok()) << x.error().ToString();
    xvfb_ = std::move(*x);
    auto c = XTestClient::Open(xvfb_->display_name());
    ASSERT_TRUE(c.ok()) << c.error().ToString();
    client_ = std::move(*c);
  }
  XwdSourceOptions Options(bool with_x) {
    XwdSourceOptions o;
    o.fb_path = dir_.path() + "/Xvfb_screen0";
    if (with_x) o.x_socket = xvfb_->socket_path();
    o.recheck_interval = std::chrono::milliseconds(0);
    return o;
  }
  TempDir dir_;
  std::unique_ptr<XvfbServer> xvfb_;
  std::unique_ptr<XTestClient> client_;
};

TEST_F(XwdFrameSourceTest, CaptureMatchesWhatTheXServerReports) {
  StartX();
  client_->Fill(0, 0, 720, 1280, 0x000000);
  client_->Fill(10, 20, 100, 50, 0xff0000);
  client_->Fill(300, 700, 64, 64, 0x00ff00);
  client_->Fill(650, 1200, 70, 80, 0x123456);
  XwdFrameSource src(Options(false));
  FrameView f = Settle(src);
  ASSERT_EQ(f.width, 720);
  ASSERT_EQ(f.height, 1280);
  EXPECT_EQ(PixelAt(f, 10, 20), 0xff0000u);
  EXPECT_EQ(PixelAt(f, 109, 69), 0xff0000u);
  EXPECT_EQ(PixelAt(f, 110, 70), 0u);
  EXPECT_EQ(PixelAt(f, 719, 1279), 0x123456u);
  // Region by region, exactly what XGetImage reports.
  const Rect regions[] = {{0, 0, 200, 100}, {290, 690, 90, 90}, {600, 1150, 120, 130}};
  for (const auto& r : regions) {
    auto img = client_->GetImage(r.x, r.y, r.w, r.h);
    ASSERT_EQ(img.size(), static_cast<size_t>(r.w) * r.h);
    for (int y = 0; y < r.h; ++y) {
      for (int x = 0; x < r.w; ++x) {
        ASSERT_EQ(PixelAt(f, r.x + x, r.y + y), img[size_t(y) * r.w + x])
            << "at " << r.x + x << "," << r.y + y;
      }
    }
  }
}

TEST_F(XwdFrameSourceTest, StillScreenHasNoDamageAndDrawingHasExactTiles) {
  StartX();
  client_->Fill(0, 0, 720, 1280, 0x000000);
  XwdFrameSource src(Options(false));
  FrameView f = Settle(src);
  const uint64_t seq = f.sequence;
  for (int i = 0; i < 5; ++i) {
    auto r = src.Capture();
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->damage.empty());
    EXPECT_EQ(r->sequence, seq);
  }
  // 100,200 .. 229,229 touches tile columns 1..3 and tile rows 12..14.
  client_->Fill(100, 200, 130, 30, 0xff00ff);
  auto r = src.Capture();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->sequence, seq + 1);
  std::set<std::pair<int, int>> tiles;
  for (const auto& d : r->damage) {
    for (int ty = d.y / 16; ty * 16 < d.y + d.h; ++ty)
      for (int tx = d.x / 64; tx * 64 < d.x + d.w; ++tx) tiles.insert({tx, ty});
  }
  std::set<std::pair<int, int>> want;
  for (int ty = 12; ty <= 14; ++ty)
    for (int tx = 1; tx <= 3; ++tx) want.insert({tx, ty});
  EXPECT_EQ(tiles, want);
  EXPECT_EQ(PixelAt(*r, 229, 229), 0xff00ffu);
}

// With the X socket, the server's damage reports decide what is compared:
// a still screen compares nothing, drawing is still seen exactly. (Xvfb
// 21.1 does not draw the pointer into its framebuffer: motion changes no
// pixel.)
TEST_F(XwdFrameSourceTest, XDamageSkipsStillFramesAndSeesDrawing) {
  StartX();
  client_->Fill(0, 0, 720, 1280, 0x000000);
  XwdSourceOptions o = Options(true);
  o.full_check_interval = std::chrono::hours(1);  // no safety-net compares here
  XwdFrameSource src(o);
  FrameView f = Settle(src);
  ASSERT_EQ(f.width, 720);
  const uint64_t compares = src.compares();
  for (int i = 0; i < 10; ++i) {
    auto r = src.Capture();
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->damage.empty());
  }
  EXPECT_EQ(src.compares(), compares);  // not a pixel read
  // The wait fd is quiet while nothing is drawn, readable after drawing.
  ASSERT_GE(src.wait_fd(), 0);
  pollfd pfd{src.wait_fd(), POLLIN, 0};
  EXPECT_EQ(poll(&pfd, 1, 0), 0);
  client_->Fill(400, 600, 10, 10, 0x00ff00);
  EXPECT_EQ(poll(&pfd, 1, 5000), 1);
  auto r = src.Capture();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(src.compares(), compares + 1);
  ASSERT_EQ(r->damage.size(), 1u);
  EXPECT_EQ(r->damage[0], (Rect{384, 592, 64, 32}));
  EXPECT_EQ(PixelAt(*r, 409, 609), 0x00ff00u);
  // A safety-net compare finds nothing the reports missed.
  XwdSourceOptions always = Options(true);
  always.full_check_interval = std::chrono::milliseconds(0);
  XwdFrameSource checked(always);
  (void)Settle(checked);
  client_->Fill(0, 1270, 720, 10, 0xffffff);
  auto c = checked.Capture();
  ASSERT_TRUE(c.ok());
  ASSERT_FALSE(c->damage.empty());
  EXPECT_EQ(c->damage[0].y, 1264);
}

// Windows created after the DAMAGE report was set up are reported too.
TEST_F(XwdFrameSourceTest, XDamageSeesWindowsCreatedLater) {
  StartX();
  client_->Fill(0, 0, 720, 1280, 0x000000);
  XwdSourceOptions o = Options(true);
  o.full_check_interval = std::chrono::hours(1);
  XwdFrameSource src(o);
  (void)Settle(src);
  for (int round = 0; round < 3; ++round) {
    auto late = XTestClient::Open(xvfb_->display_name());
    ASSERT_TRUE(late.ok());
    uint32_t color = 0x112233 * (round + 1);
    (*late)->Fill(100, 100, 50, 50, color);
    bool seen = false;
    for (int i = 0; i < 100 && !seen; ++i) {
      auto r = src.Capture();
      ASSERT_TRUE(r.ok());
      seen = PixelAt(*r, 120, 120) == (color & 0xffffff);
      if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_TRUE(seen) << "round " << round;
  }
}

TEST_F(XwdFrameSourceTest, FileAppearingLateAndReplaced) {
  XwdFrameSource src(Options(false));
  auto r = src.Capture();
  ASSERT_FALSE(r.ok());
  StartX();
  client_->Fill(0, 0, 720, 1280, 0x0000ff);
  FrameView f = Settle(src);
  EXPECT_EQ(f.width, 720);
  EXPECT_EQ(PixelAt(f, 5, 5), 0x0000ffu);
  EXPECT_EQ(src.remaps(), 1u);

  // vmi-init restarts Xvfb, this time at another size.
  client_.reset();
  ASSERT_TRUE(xvfb_->Stop().ok());
  xvfb_.reset();
  StartX("600x1000x24");
  client_->Fill(0, 0, 600, 1000, 0x00ff00);
  FrameView g;
  for (int i = 0; i < 100; ++i) {
    auto c = src.Capture();
    if (c.ok() && c->width == 600 && PixelAt(*c, 5, 5) == 0x00ff00u) {
      g = std::move(*c);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(g.width, 600);
  EXPECT_EQ(g.height, 1000);
  EXPECT_GE(src.remaps(), 2u);
}

TEST_F(XwdFrameSourceTest, RotationChangesTheSizeOnBothEnds) {
  StartX("1280x1280x24");
  auto x = XConnection::Connect(xvfb_->socket_path());
  ASSERT_TRUE(x.ok()) << x.error().ToString();
  ASSERT_TRUE(SetScreenSize(**x, 720, 1280).ok());
  XwdFrameSource src(Options(true));
  client_->FitToRoot();
  client_->Fill(0, 0, 720, 1280, 0x000000);
  FrameView f = Settle(src);
  EXPECT_EQ(f.width, 720);
  EXPECT_EQ(f.height, 1280);

  auto rot = SetScreenSize(**x, 1280, 720);
  ASSERT_TRUE(rot.ok()) << rot.error().ToString();
  EXPECT_EQ((*x)->width(), 1280);
  EXPECT_EQ((*x)->height(), 720);
  client_->FitToRoot();
  client_->Fill(0, 0, 1280, 720, 0x000000);
  client_->Fill(1000, 100, 50, 50, 0xabcdef);
  // The X server reports the new root size.
  XWindowAttributes ra;
  XGetWindowAttributes(client_->display(), DefaultRootWindow(client_->display()), &ra);
  EXPECT_EQ(ra.width, 1280);
  EXPECT_EQ(ra.height, 720);
  FrameView g;
  for (int i = 0; i < 100; ++i) {
    auto c = src.Capture();
    ASSERT_TRUE(c.ok());
    if (c->width == 1280) {
      g = std::move(*c);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(g.width, 1280);
  ASSERT_EQ(g.height, 720);
  ASSERT_EQ(g.damage.size(), 1u);
  EXPECT_EQ(g.damage[0], (Rect{0, 0, 1280, 720}));
  EXPECT_EQ(PixelAt(g, 1020, 120), 0xabcdefu);
  EXPECT_EQ(SetScreenSize(**x, 2000, 720).error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vmi::display
