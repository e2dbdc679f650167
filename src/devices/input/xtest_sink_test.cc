// XTestSink against a real Xvfb: a test X client's window receives what the
// sink injects through the server socket.
#include "devices/input/xtest_sink.h"

// gtest first: Xlib's macros (None, Bool) break gtest's headers.
#include <gtest/gtest.h>

#include <X11/Xlib.h>
#include <X11/keysym.h>

#include <thread>

#include "devices/display/screen_size.h"
#include "devices/display/testing/x_test_client.h"
#include "devices/display/testing/xvfb_server.h"

namespace vmi::input {
namespace {

using display::testing::ReceivedEvent;
using display::testing::TempDir;
using display::testing::XTestClient;
using display::testing::XvfbServer;
using std::chrono::seconds;

class XTestSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto x = XvfbServer::Start(dir_.path(), "720x1280x24");
    ASSERT_TRUE(x.ok()) << x.error().ToString();
    xvfb_ = std::move(*x);
    auto c = XTestClient::Open(xvfb_->display_name());
    ASSERT_TRUE(c.ok()) << c.error().ToString();
    client_ = std::move(*c);
    sink_ = std::make_unique<XTestSink>(xvfb_->socket_path());
    auto r = sink_->Connect();
    ASSERT_TRUE(r.ok()) << r.error().ToString();
  }
  std::vector<ReceivedEvent> Events(int type, size_t count) {
    std::vector<ReceivedEvent> out;
    auto deadline = std::chrono::steady_clock::now() + seconds(10);
    while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
      for (auto& e : client_->WaitEvents(1, std::chrono::milliseconds(200))) {
        if (e.type == type) out.push_back(e);
      }
    }
    return out;
  }
  TempDir dir_;
  std::unique_ptr<XvfbServer> xvfb_;
  std::unique_ptr<XTestClient> client_;
  std::unique_ptr<XTestSink> sink_;
};

TEST_F(XTestSinkTest, ClicksArriveAtTheirPosition) {
  ASSERT_TRUE(sink_->Pointer({100, 200, 0}).ok());
  ASSERT_TRUE(sink_->Pointer({100, 200, 1}).ok());  // left down
  ASSERT_TRUE(sink_->Pointer({100, 200, 0}).ok());  // left up
  ASSERT_TRUE(sink_->Pointer({719, 1279, 4}).ok());  // right down at the far corner
  ASSERT_TRUE(sink_->Pointer({719, 1279, 0}).ok());
  ASSERT_TRUE(sink_->Pointer({50, 60, 8}).ok());  // wheel up click
  ASSERT_TRUE(sink_->Pointer({50, 60, 0}).ok());
  auto presses = Events(ButtonPress, 3);
  ASSERT_EQ(presses.size(), 3u);
  EXPECT_EQ(presses[0].button, 1u);
  EXPECT_EQ(presses[0].x, 100);
  EXPECT_EQ(presses[0].y, 200);
  EXPECT_EQ(presses[1].button, 3u);
  EXPECT_EQ(presses[1].x, 719);
  EXPECT_EQ(presses[1].y, 1279);
  EXPECT_EQ(presses[2].button, 4u);
}

TEST_F(XTestSinkTest, OutOfRangeAndUnknownAreInvalid) {
  EXPECT_EQ(sink_->Pointer({720, 0, 0}).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(sink_->Pointer({-1, 5, 0}).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(sink_->Pointer({5, 1280, 1}).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(sink_->Pointer({5, 5, 64}).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(sink_->Touch({0, TouchAction::kDown, 9999, 0}).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(sink_->Key({0x12345678, true}).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(sink_->Text("ok\xff").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(sink_->Text("a\x1b").error().code(), ErrorCode::kInvalidArgument);
  // Nothing of the above reached the client: the first press it sees is
  // this marker.
  ASSERT_TRUE(sink_->Pointer({1, 2, 2}).ok());
  ASSERT_TRUE(sink_->Pointer({1, 2, 0}).ok());
  auto presses = Events(ButtonPress, 1);
  ASSERT_EQ(presses.size(), 1u);
  EXPECT_EQ(presses[0].button, 2u);
  EXPECT_EQ(presses[0].x, 1);
}

TEST_F(XTestSinkTest, KeysAndShiftedKeys) {
  ASSERT_TRUE(sink_->Key({XK_a, true}).ok());
  ASSERT_TRUE(sink_->Key({XK_a, false}).ok());
  ASSERT_TRUE(sink_->Key({XK_Shift_L, true}).ok());
  ASSERT_TRUE(sink_->Key({XK_A, true}).ok());
  ASSERT_TRUE(sink_->Key({XK_A, false}).ok());
  ASSERT_TRUE(sink_->Key({XK_Shift_L, false}).ok());
  ASSERT_TRUE(sink_->Key({XK_Return, true}).ok());
  ASSERT_TRUE(sink_->Key({XK_Return, false}).ok());
  // An uppercase keysym without Shift held still types 'B'.
  ASSERT_TRUE(sink_->Key({XK_B, true}).ok());
  ASSERT_TRUE(sink_->Key({XK_B, false}).ok());
  auto presses = Events(KeyPress, 5);
  ASSERT_EQ(presses.size(), 5u);
  EXPECT_EQ(presses[0].keysym, unsigned{XK_a});
  EXPECT_EQ(presses[1].keysym, unsigned{XK_Shift_L});
  EXPECT_EQ(presses[2].keysym, unsigned{XK_A});
  EXPECT_EQ(presses[3].keysym, unsigned{XK_Return});
  EXPECT_EQ(presses[4].keysym, unsigned{XK_B}) << "keycode " << presses[4].keycode;
}

TEST_F(XTestSinkTest, UnicodeTextArrives) {
  const std::string text = "Hi é✓日本€!\n";
  ASSERT_TRUE(sink_->Text(text).ok());
  std::vector<unsigned long> want = {XK_H,      XK_i,       XK_space,   XK_eacute, 0x01002713,
                                     0x010065e5, 0x0100672c, 0x010020ac, XK_exclam, XK_Return};
  std::vector<unsigned long> got;
  while (got.empty() || got.back() != XK_Return) {
    auto presses = Events(KeyPress, 1);
    if (presses.empty()) break;
    for (const auto& e : presses) {
      if (e.keysym != XK_Shift_L) got.push_back(e.keysym);
    }
  }
  // XLookupString reports the Euro sign by its legacy keysym.
  for (auto& k : got) {
    if (k == XK_EuroSign) k = 0x010020ac;
  }
  EXPECT_EQ(got, want);
}

TEST_F(XTestSinkTest, FirstFingerDrivesThePointer) {
  ASSERT_TRUE(sink_->Touch({3, TouchAction::kDown, 300, 400}).ok());
  ASSERT_TRUE(sink_->Touch({4, TouchAction::kDown, 10, 10}).ok());  // second finger: ignored
  ASSERT_TRUE(sink_->Touch({3, TouchAction::kMove, 310, 420}).ok());
  ASSERT_TRUE(sink_->Touch({4, TouchAction::kUp, 10, 10}).ok());
  ASSERT_TRUE(sink_->Touch({3, TouchAction::kUp, 320, 440}).ok());
  auto all = client_->WaitEvents(100, std::chrono::milliseconds(1500));
  std::vector<ReceivedEvent> buttons;
  for (auto& e : all) {
    if (e.type == ButtonPress || e.type == ButtonRelease) buttons.push_back(e);
  }
  ASSERT_EQ(buttons.size(), 2u);
  EXPECT_EQ(buttons[0].type, ButtonPress);
  EXPECT_EQ(buttons[0].x, 300);
  EXPECT_EQ(buttons[0].y, 400);
  EXPECT_EQ(buttons[1].type, ButtonRelease);
  EXPECT_EQ(buttons[1].x, 320);
  EXPECT_EQ(buttons[1].y, 440);
}

TEST(XTestSinkRotationTest, BoundsFollowTheScreenSize) {
  TempDir dir;
  auto x = XvfbServer::Start(dir.path(), "1280x1280x24");
  ASSERT_TRUE(x.ok());
  auto conn = display::XConnection::Connect((*x)->socket_path());
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(display::SetScreenSize(**conn, 720, 1280).ok());
  XTestSink sink((*x)->socket_path());
  EXPECT_EQ(sink.Pointer({1000, 100, 0}).error().code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(display::SetScreenSize(**conn, 1280, 720).ok());
  bool ok = false;
  for (int i = 0; i < 50 && !ok; ++i) {
    ok = sink.Pointer({1000, 100, 0}).ok();
    if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(ok);
  EXPECT_EQ(sink.Pointer({100, 1000, 0}).error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vmi::input
