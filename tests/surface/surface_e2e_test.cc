// A real SurfaceServer (this process) and real guests using libvmi-guest
// (other processes): frames arrive pixel-exact with their damage, the guest
// is paced by frame-done, multi-touch reaches the guest in order, rotation
// reaches it, and the server survives guests that vanish mid-frame.
#include <gtest/gtest.h>
#include <signal.h>
#include <time.h>

#include <thread>

#include "base/temp_dir.h"
#include "base/utf8.h"
#include "devices/surface/surface_input_sink.h"
#include "devices/surface/surface_server.h"
#include "guest_process.h"
#include "surface_test_pattern.h"

namespace vmi::surface {
namespace {

using testing::GuestProcess;
using testing::WaitFor;
using testing::WaitReadable;

constexpr int kW = 240, kH = 160;

class SurfaceE2E : public ::testing::Test {
 protected:
  void StartServer(std::chrono::milliseconds idle = std::chrono::seconds(60)) {
    SurfaceServerOptions o;
    o.socket_path = dir.path() + "/surface.sock";
    o.instance = "t1";
    o.width = kW;
    o.height = kH;
    o.idle_frame_done = idle;
    auto s = SurfaceServer::Start(o);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    server = std::move(*s);
  }
  GuestProcess Guest(std::vector<std::string> args, const char* exe = VMI_TEST_GUEST) {
    args.insert(args.begin(), exe);
    auto g = GuestProcess::Start(args, dir.path());
    EXPECT_TRUE(g.ok()) << g.error().ToString();
    return std::move(*g);
  }
  std::string Line(GuestProcess& g) {
    auto l = g.ReadLine();
    EXPECT_TRUE(l.ok()) << l.error().ToString();
    return l.ok() ? *l : "";
  }
  // Compares a captured frame with the reference picture, pixel by pixel.
  static void ExpectPixels(const display::FrameView& v, const std::vector<uint32_t>& ref) {
    ASSERT_EQ(v.width, kW);
    ASSERT_EQ(v.height, kH);
    int mismatches = 0;
    for (int y = 0; y < kH; ++y) {
      const auto* row =
          reinterpret_cast<const uint32_t*>(v.pixels + static_cast<size_t>(y) * v.stride);
      for (int x = 0; x < kW; ++x)
        if (row[x] != ref[static_cast<size_t>(y) * kW + x] && mismatches++ < 5)
          ADD_FAILURE() << "pixel (" << x << "," << y << ") is " << std::hex << row[x] << " not "
                        << ref[static_cast<size_t>(y) * kW + x];
    }
    EXPECT_EQ(mismatches, 0);
  }

  TempDir dir = TempDir::Create("vmi-surface-test").value();
  std::unique_ptr<SurfaceServer> server;
};

TEST_F(SurfaceE2E, FramesArrivePixelExactWithDamageAndTheGuestIsPaced) {
  StartServer();  // frames complete only when captured
  constexpr uint32_t kFrames = 6;
  uint64_t last_sequence = server->Capture()->sequence;  // the black screen
  GuestProcess g = Guest({"pattern", std::to_string(kFrames)});
  EXPECT_EQ(Line(g), "ready 240 160");
  std::vector<uint32_t> ref(kW * kH);
  for (uint32_t k = 1; k <= kFrames; ++k) {
    ASSERT_TRUE(WaitReadable(server->wait_fd())) << "frame " << k << " never presented";
    EXPECT_EQ(Line(g), "presented " + std::to_string(k));
    // The guest waits for this frame's frame-done: it cannot run ahead.
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    EXPECT_EQ(server->stats().presents, k);
    auto v = server->Capture();
    ASSERT_TRUE(v.ok());
    vmi_test_apply_frame(ref.data(), kW, kH, k);
    ExpectPixels(*v, ref);
    if (k == 1) {
      EXPECT_EQ(v->damage, (std::vector<display::Rect>{{0, 0, kW, kH}}));
    } else {
      int32_t x, y;
      vmi_test_square(k, kW, kH, &x, &y);
      EXPECT_EQ(v->damage, (std::vector<display::Rect>{{x, y, VMI_TEST_SQUARE, VMI_TEST_SQUARE}}));
    }
    EXPECT_EQ(v->sequence, last_sequence + 1);
    last_sequence = v->sequence;
    // Displayed; from the fifth frame on, four gaps between captures give
    // the library the host's cadence.
    EXPECT_EQ(Line(g), "done " + std::to_string(k) + " 1 " + (k >= 5 ? "1" : "0"));
  }
  auto status = g.process().WaitOrKill(testing::kDeadline);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(DescribeWaitStatus(*status), DescribeWaitStatus(0));
  // The last picture stays after the guest left; nothing new is damaged.
  ASSERT_TRUE(WaitFor([&] { return !server->stats().guest_ready; }));
  auto still = server->Capture();
  ExpectPixels(*still, ref);
  EXPECT_TRUE(still->damage.empty());
}

TEST_F(SurfaceE2E, UnwatchedGuestIsPacedByTheIdleTimer) {
  StartServer(std::chrono::milliseconds(20));
  GuestProcess g = Guest({"pattern", "3"});
  EXPECT_EQ(Line(g), "ready 240 160");
  for (int k = 1; k <= 3; ++k) {
    EXPECT_EQ(Line(g), "presented " + std::to_string(k));
    EXPECT_EQ(Line(g), "done " + std::to_string(k) + " 0 0") << "done without a consumer";
  }
  ASSERT_TRUE(g.process().WaitOrKill(testing::kDeadline).ok());
  std::vector<uint32_t> ref(kW * kH);
  for (uint32_t k = 1; k <= 3; ++k) vmi_test_apply_frame(ref.data(), kW, kH, k);
  ExpectPixels(*server->Capture(), ref);
}

TEST_F(SurfaceE2E, MultiTouchKeysTextAndRotationReachTheGuestInOrder) {
  StartServer();
  GuestProcess g = Guest({"input"});
  EXPECT_EQ(Line(g), "ready 240 160");
  ASSERT_TRUE(WaitFor([&] { return server->stats().guest_ready; }));
  SurfaceInputSink sink(server.get());
  using input::TouchAction;
  ASSERT_TRUE(sink.Touch({0, TouchAction::kDown, 10, 20}).ok());
  ASSERT_TRUE(sink.Touch({1, TouchAction::kDown, 200, 150}).ok());
  ASSERT_TRUE(sink.Touch({0, TouchAction::kMove, 12, 24}).ok());
  ASSERT_TRUE(sink.Touch({1, TouchAction::kMove, 199, 148}).ok());
  ASSERT_TRUE(sink.Touch({0, TouchAction::kUp, 12, 24}).ok());
  // Refused and not delivered: a finger that is not down, a point off screen.
  EXPECT_EQ(sink.Touch({7, TouchAction::kMove, 1, 1}).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(sink.Touch({2, TouchAction::kDown, kW, 0}).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(sink.Touch({1, TouchAction::kDown, 5, 5}).error().code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(sink.Touch({1, TouchAction::kCancel, 0, 0}).ok());
  ASSERT_TRUE(sink.Pointer({5, 6, 1}).ok());
  EXPECT_FALSE(sink.Pointer({-1, 6, 0}).ok());
  ASSERT_TRUE(sink.Key({0x61, true}).ok());
  ASSERT_TRUE(sink.Key({0x61, false}).ok());
  ASSERT_TRUE(sink.Text("h\xc3\xa9llo \xe4\xbd\xa0\xe5\xa5\xbd").ok());
  EXPECT_FALSE(sink.Text("\xc3").ok());
  ASSERT_TRUE(server->SetDisplaySize(kH, kW, 90).ok());
  ASSERT_TRUE(sink.Touch({3, TouchAction::kDown, 150, 230}).ok()) << "valid after rotation";
  ASSERT_TRUE(sink.Key({0xff1b, true}).ok());  // Escape: the guest exits

  std::vector<std::string> want = {
      "touch 0 0 10 20",    "touch 1 0 200 150",
      "touch 0 1 12 24",    "touch 1 1 199 148",
      "touch 0 2 12 24",    "touch 1 3 0 0",
      "pointer 5 6 1",      "key 97 1",
      "key 97 0",           "text h\xc3\xa9llo \xe4\xbd\xa0\xe5\xa5\xbd",
      "display 160 240 90", "touch 3 0 150 230",
      "key 65307 1"};
  for (const auto& w : want) EXPECT_EQ(Line(g), w);
  auto status = g.process().WaitOrKill(testing::kDeadline);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(*status, 0);
}

TEST_F(SurfaceE2E, LongTextArrivesInWholeCharacterChunks) {
  StartServer();
  GuestProcess g = Guest({"input"});
  EXPECT_EQ(Line(g), "ready 240 160");
  ASSERT_TRUE(WaitFor([&] { return server->stats().guest_ready; }));
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "\xe4\xbd\xa0";  // 3000 bytes of 你
  SurfaceInputSink sink(server.get());
  ASSERT_TRUE(sink.Text(text).ok());
  ASSERT_TRUE(sink.Key({0xff1b, true}).ok());
  std::string got;
  int chunks = 0;
  for (std::string l = Line(g); l.rfind("text ", 0) == 0; l = Line(g)) {
    std::string chunk = l.substr(5);
    EXPECT_LE(chunk.size(), kMaxTextBytes);
    EXPECT_TRUE(IsValidUtf8(chunk)) << "a chunk split a character";
    got += chunk;
    ++chunks;
  }
  EXPECT_EQ(chunks, 3);
  EXPECT_EQ(got, text);
}

TEST_F(SurfaceE2E, InputWithoutAGuestIsUnavailable) {
  StartServer();
  SurfaceInputSink sink(server.get());
  auto r = sink.Touch({0, input::TouchAction::kDown, 1, 1});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
}

TEST_F(SurfaceE2E, AGuestKilledMidFrameLeavesTheServerServing) {
  StartServer();
  {
    GuestProcess g = Guest({"pattern", "100"});
    EXPECT_EQ(Line(g), "ready 240 160");
    EXPECT_EQ(Line(g), "presented 1");
    // The guest now blocks for frame 1's frame-done; kill it there.
    ASSERT_TRUE(g.process().Signal(SIGKILL).ok());
    ASSERT_TRUE(g.process().Wait().ok());
  }
  ASSERT_TRUE(WaitFor([&] { return server->stats().disconnects == 1; }));
  EXPECT_TRUE(server->stats().last_error.empty()) << "vanishing is not a protocol error";
  std::vector<uint32_t> ref(kW * kH);
  vmi_test_apply_frame(ref.data(), kW, kH, 1);
  ExpectPixels(*server->Capture(), ref);  // its frame outlives it

  GuestProcess next = Guest({"pattern", "2"});
  EXPECT_EQ(Line(next), "ready 240 160");
  EXPECT_EQ(Line(next), "presented 1");
  ASSERT_TRUE(WaitReadable(server->wait_fd()));
  auto v = server->Capture();
  EXPECT_EQ(v->damage, (std::vector<display::Rect>{{0, 0, kW, kH}})) << "a new guest's first frame";
  EXPECT_EQ(Line(next), "done 1 1 0");
  EXPECT_EQ(Line(next), "presented 2");
  ASSERT_TRUE(WaitReadable(server->wait_fd()));
  vmi_test_apply_frame(ref.data(), kW, kH, 2);
  ExpectPixels(*server->Capture(), ref);
  EXPECT_EQ(Line(next), "done 2 1 0");
  EXPECT_EQ(*next.process().WaitOrKill(testing::kDeadline), 0);
}

TEST_F(SurfaceE2E, ASecondGuestIsToldTheDisplayIsBusy) {
  StartServer();
  GuestProcess first = Guest({"input"});
  EXPECT_EQ(Line(first), "ready 240 160");
  GuestProcess second = Guest({"connect"});
  EXPECT_EQ(Line(second), "connect " + std::to_string(-EBUSY));
  ASSERT_TRUE(SurfaceInputSink(server.get()).Key({0xff1b, true}).ok());
  EXPECT_EQ(Line(first), "key 65307 1") << "the first guest is unaffected";
  EXPECT_EQ(*first.process().WaitOrKill(testing::kDeadline), 0);
}

TEST_F(SurfaceE2E, TheLibraryReportsTheHostsReason) {
  SurfaceServerOptions o;
  o.socket_path = dir.path() + "/surface.sock";
  o.width = kW;
  o.height = kH;
  o.limits.max_buffers = 3;
  auto s = SurfaceServer::Start(o);
  ASSERT_TRUE(s.ok());
  server = std::move(*s);
  GuestProcess g = Guest({"buffers", "10"});
  std::string line = Line(g);
  EXPECT_EQ(line.rfind("result " + std::to_string(-EPROTO) + " ", 0), 0u) << line;
  EXPECT_NE(line.find("at most 3 buffers"), std::string::npos) << line;
  EXPECT_NE(server->stats().last_error.find("at most 3 buffers"), std::string::npos);
}

// Decodes the demo's clock-mode cells (see demo/main.c).
uint64_t Cells(const display::FrameView& v, int row, int cell) {
  uint64_t value = 0;
  for (int i = 0; i < 32; ++i) {
    const uint8_t* p = v.pixels + static_cast<size_t>(row * cell + cell / 2) * v.stride +
                       static_cast<size_t>(i * cell + cell / 2) * 4;
    value = value << 1 | (p[1] > 128 ? 1 : 0);
  }
  return value;
}

TEST_F(SurfaceE2E, DemoClockModeCarriesFrameCounterAndTimestamp) {
  StartServer(std::chrono::milliseconds(100));
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t start_us =
      static_cast<uint64_t>(ts.tv_sec) * 1000000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
  GuestProcess demo = Guest({"--mode", "clock", "--frames", "5"}, VMI_SURFACE_DEMO);
  uint64_t last_frame = 0, last_time = 0;
  while (last_frame < 5) {
    ASSERT_TRUE(WaitReadable(server->wait_fd())) << "after frame " << last_frame;
    auto v = server->Capture();
    if (v->damage.empty()) continue;
    int cell = std::min(16, v->width / 32);
    uint64_t frame = Cells(*v, 2, cell);
    uint64_t time = Cells(*v, 0, cell) << 32 | Cells(*v, 1, cell);
    if (frame == 0) continue;  // the black screen before the first present
    EXPECT_GT(frame, last_frame);
    EXPECT_GT(time, last_time);
    EXPECT_GE(time, start_us);
    last_frame = frame;
    last_time = time;
  }
  auto out = demo.ReadLine();
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->rfind("{\"frames\":5,", 0), 0u) << *out;
  EXPECT_EQ(*demo.process().WaitOrKill(testing::kDeadline), 0);
}

TEST_F(SurfaceE2E, DemoDrawsWhereTheFingerIs) {
  StartServer(std::chrono::milliseconds(100));
  GuestProcess demo = Guest({"--mode", "shapes", "--frames", "100000"}, VMI_SURFACE_DEMO);
  ASSERT_TRUE(WaitFor([&] { return server->stats().guest_ready; }));
  SurfaceInputSink sink(server.get());
  ASSERT_TRUE(sink.Touch({1, input::TouchAction::kDown, 60, 100}).ok());
  // Finger 1 is drawn in 0xffc000 on top of everything else.
  bool seen = WaitFor([&] {
    if (!WaitReadable(server->wait_fd(), std::chrono::milliseconds(100))) return false;
    auto v = server->Capture();
    const auto* row = reinterpret_cast<const uint32_t*>(v->pixels + 100 * v->stride);
    return (row[60] & 0xffffff) == 0xffc000;
  });
  EXPECT_TRUE(seen);
  ASSERT_TRUE(demo.process().Signal(SIGTERM).ok());
  EXPECT_EQ(*demo.process().WaitOrKill(testing::kDeadline), 0);
}

TEST_F(SurfaceE2E, DemoFollowsRotation) {
  StartServer(std::chrono::milliseconds(100));
  GuestProcess demo = Guest({"--mode", "shapes", "--frames", "100000"}, VMI_SURFACE_DEMO);
  auto size_is = [&](int w, int h) {
    return WaitFor([&] {
      if (!WaitReadable(server->wait_fd(), std::chrono::milliseconds(100))) return false;
      auto v = server->Capture();
      return v->width == w && v->height == h && !v->damage.empty();
    });
  };
  ASSERT_TRUE(size_is(kW, kH));
  ASSERT_TRUE(server->SetDisplaySize(kH, kW, 90).ok());
  EXPECT_TRUE(size_is(kH, kW)) << "the demo presents buffers of the rotated size";
  ASSERT_TRUE(server->SetDisplaySize(kW, kH, 0).ok());
  EXPECT_TRUE(size_is(kW, kH));
  ASSERT_TRUE(demo.process().Signal(SIGTERM).ok());
  EXPECT_EQ(*demo.process().WaitOrKill(testing::kDeadline), 0);
}

}  // namespace
}  // namespace vmi::surface
