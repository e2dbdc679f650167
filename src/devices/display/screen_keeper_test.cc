#include "devices/display/screen_keeper.h"

#include <gtest/gtest.h>

#include <thread>

#include "devices/display/screen_size.h"
#include "devices/display/testing/xvfb_server.h"
#include "devices/display/x_connection.h"

namespace vmi::display {
namespace {

using display::testing::TempDir;
using display::testing::XvfbServer;

TEST(OrientationTest, SizesAndNames) {
  EXPECT_EQ(SizeFor({720, 1280}, Orientation::kPortrait).width, 720);
  EXPECT_EQ(SizeFor({720, 1280}, Orientation::kLandscape).width, 1280);
  EXPECT_EQ(SizeFor({1280, 720}, Orientation::kPortrait).height, 1280);
  EXPECT_EQ(SizeFor({1280, 720}, Orientation::kLandscape).height, 720);
  EXPECT_EQ(ParseOrientation("portrait").value(), Orientation::kPortrait);
  EXPECT_EQ(ParseOrientation("landscape").value(), Orientation::kLandscape);
  EXPECT_FALSE(ParseOrientation("Landscape").ok());
  EXPECT_FALSE(ParseOrientation("").ok());
  EXPECT_STREQ(OrientationName(Orientation::kLandscape), "landscape");
}

// The root size as a separate X client sees it.
std::pair<int, int> RootSize(const std::string& socket) {
  auto x = display::XConnection::Connect(socket);
  if (!x.ok()) return {0, 0};
  return {(*x)->width(), (*x)->height()};
}

TEST(ScreenKeeperTest, SetsTheInitialSizeInsideASquareScreenAndRotates) {
  TempDir dir;
  auto xvfb = XvfbServer::Start(dir.path(), "1280x1280x24");
  ASSERT_TRUE(xvfb.ok()) << xvfb.error().ToString();
  const std::string sock = (*xvfb)->socket_path();
  ScreenKeeper keeper(sock, {720, 1280}, nullptr, "test");
  EXPECT_EQ(RootSize(sock), std::make_pair(1280, 1280));
  keeper.Tick();
  EXPECT_EQ(RootSize(sock), std::make_pair(720, 1280));

  auto s = keeper.SetOrientation(Orientation::kLandscape);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_EQ(s->width, 1280);
  EXPECT_EQ(s->height, 720);
  EXPECT_EQ(RootSize(sock), std::make_pair(1280, 720));
  EXPECT_EQ(keeper.orientation(), Orientation::kLandscape);

  // Someone else changes the size: the keeper puts its own back.
  {
    auto x = display::XConnection::Connect(sock);
    ASSERT_TRUE(x.ok());
    ASSERT_TRUE(display::SetScreenSize(**x, 1000, 1000).ok());
  }
  EXPECT_EQ(RootSize(sock), std::make_pair(1000, 1000));
  keeper.Tick();
  EXPECT_EQ(RootSize(sock), std::make_pair(1280, 720));

  ASSERT_TRUE(keeper.SetOrientation(Orientation::kPortrait).ok());
  EXPECT_EQ(RootSize(sock), std::make_pair(720, 1280));
}

TEST(ScreenKeeperTest, AdoptsTheOrientationTheGuestAlreadyHas) {
  // As after a daemon restart under a running, rotated instance.
  TempDir dir;
  auto xvfb = XvfbServer::Start(dir.path(), "1280x1280x24");
  ASSERT_TRUE(xvfb.ok()) << xvfb.error().ToString();
  const std::string sock = (*xvfb)->socket_path();
  {
    auto x = display::XConnection::Connect(sock);
    ASSERT_TRUE(x.ok());
    ASSERT_TRUE(display::SetScreenSize(**x, 1280, 720).ok());
  }
  ASSERT_EQ(RootSize(sock), std::make_pair(1280, 720));
  ScreenKeeper keeper(sock, {720, 1280}, nullptr, "test");
  keeper.Tick();
  EXPECT_EQ(RootSize(sock), std::make_pair(1280, 720));
  EXPECT_EQ(keeper.orientation(), Orientation::kLandscape);
  EXPECT_EQ(keeper.size().width, 1280);
}

TEST(ScreenKeeperTest, LandscapeNeedsASquareFramebuffer) {
  TempDir dir;
  auto xvfb = XvfbServer::Start(dir.path(), "720x1280x24");
  ASSERT_TRUE(xvfb.ok()) << xvfb.error().ToString();
  ScreenKeeper keeper((*xvfb)->socket_path(), {720, 1280}, nullptr, "test");
  auto s = keeper.SetOrientation(Orientation::kLandscape);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(s.error().ToString().find("square"), std::string::npos) << s.error().ToString();
  EXPECT_EQ(keeper.orientation(), Orientation::kPortrait);
  EXPECT_TRUE(keeper.SetOrientation(Orientation::kPortrait).ok());
}

TEST(ScreenKeeperTest, NoXServerIsUnavailable) {
  TempDir dir;
  ScreenKeeper keeper(dir.path() + "/x11/X0", {720, 1280}, nullptr, "test");
  keeper.Tick();  // nothing to do, must not fail
  auto s = keeper.SetOrientation(Orientation::kLandscape);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace vmi::display
