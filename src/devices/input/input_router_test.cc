// The router's rules, checked with a sink that records what reaches it (the
// router is the unit under test; XTestSink has its own tests on real X).
#include "devices/input/input_router.h"

#include <X11/keysym.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vmi::input {
namespace {

class RecordingSink : public InputSink {
 public:
  Result<void> Pointer(const PointerEvent& e) override {
    log.push_back("P" + std::to_string(e.x) + "," + std::to_string(e.y) + "b" +
                  std::to_string(e.buttons));
    return Ok();
  }
  Result<void> Key(const KeyEvent& e) override {
    log.push_back(std::string(e.down ? "K+" : "K-") + std::to_string(e.keysym));
    return Ok();
  }
  Result<void> Text(const std::string& utf8) override {
    log.push_back("T" + utf8);
    return Ok();
  }
  Result<void> Touch(const TouchEvent& e) override {
    log.push_back("F" + std::to_string(e.id) + ":" + std::to_string(int(e.action)));
    return Ok();
  }
  std::vector<std::string> log;
};

class InputRouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(router_.AddInstance("a", &a_).ok());
    ASSERT_TRUE(router_.AddInstance("b", &b_).ok());
  }
  InputRouter router_;
  RecordingSink a_, b_;
};

TEST_F(InputRouterTest, OnlyTheControllerReachesTheSink) {
  ViewerId v1 = router_.AddViewer("alice");
  ViewerId v2 = router_.AddViewer("bob");
  ASSERT_TRUE(router_.Watch(v1, "a").ok());
  ASSERT_TRUE(router_.Watch(v2, "a").ok());
  EXPECT_EQ(router_.Key(v1, {XK_a, true}).error().code(), ErrorCode::kPermissionDenied);
  ASSERT_TRUE(router_.RequestControl(v1, "a").ok());
  EXPECT_EQ(router_.controller("a"), v1);
  EXPECT_TRUE(router_.Text(v1, "hi").ok());
  EXPECT_EQ(router_.Text(v2, "no").error().code(), ErrorCode::kPermissionDenied);
  // A second request is refused while someone controls, unless forced.
  EXPECT_EQ(router_.RequestControl(v2, "a").error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(a_.log, (std::vector<std::string>{"Thi"}));
  EXPECT_TRUE(b_.log.empty());
}

TEST_F(InputRouterTest, HandOverReleaseAndForceReleaseHeldInput) {
  std::vector<std::pair<std::string, ViewerId>> seen;
  ViewerId v1 = router_.AddViewer("alice", [&](const std::string& i, ViewerId c) {
    seen.push_back({i, c});
  });
  ViewerId v2 = router_.AddViewer("bob");
  ASSERT_TRUE(router_.Watch(v1, "a").ok());
  ASSERT_TRUE(router_.Watch(v2, "a").ok());
  ASSERT_TRUE(router_.RequestControl(v1, "a").ok());
  ASSERT_TRUE(router_.Key(v1, {XK_Shift_L, true}).ok());
  ASSERT_TRUE(router_.Pointer(v1, {10, 20, 1}).ok());
  // Hand over: the held key and button are released in the guest.
  ASSERT_TRUE(router_.HandOver(v1, v2, "a").ok());
  EXPECT_EQ(router_.controller("a"), v2);
  EXPECT_EQ(a_.log, (std::vector<std::string>{"K+" + std::to_string(XK_Shift_L), "P10,20b1",
                                              "K-" + std::to_string(XK_Shift_L), "P10,20b0"}));
  EXPECT_EQ(router_.HandOver(v1, v2, "a").error().code(), ErrorCode::kPermissionDenied);
  EXPECT_TRUE(router_.Key(v2, {XK_b, true}).ok());
  EXPECT_FALSE(router_.Key(v1, {XK_b, true}).ok());
  // Forced take-over, then release.
  ASSERT_TRUE(router_.RequestControl(v1, "a", InputRouter::Take::kForce).ok());
  EXPECT_EQ(a_.log.back(), "K-" + std::to_string(XK_b));
  ASSERT_TRUE(router_.ReleaseControl(v1, "a").ok());
  EXPECT_EQ(router_.controller("a"), 0u);
  EXPECT_EQ(router_.ReleaseControl(v1, "a").error().code(), ErrorCode::kFailedPrecondition);
  // alice heard every change.
  std::vector<std::pair<std::string, ViewerId>> want = {{"a", v1}, {"a", v2}, {"a", v1}, {"a", 0}};
  EXPECT_EQ(seen, want);
}

TEST_F(InputRouterTest, LeavingGivesControlUp) {
  ViewerId v1 = router_.AddViewer("alice");
  ASSERT_TRUE(router_.Watch(v1, "a").ok());
  ASSERT_TRUE(router_.RequestControl(v1, "a").ok());
  ASSERT_TRUE(router_.Touch(v1, {7, TouchAction::kDown, 5, 5}).ok());
  router_.RemoveViewer(v1);
  EXPECT_EQ(router_.controller("a"), 0u);
  EXPECT_EQ(a_.log.back(), "F7:3");  // the finger was cancelled
  EXPECT_EQ(router_.Key(v1, {XK_a, true}).error().code(), ErrorCode::kNotFound);
}

TEST_F(InputRouterTest, OnlyTheFocusedInstanceGetsInput) {
  ViewerId v = router_.AddViewer("alice");
  ASSERT_TRUE(router_.Watch(v, "a").ok());
  ASSERT_TRUE(router_.Watch(v, "b").ok());
  ASSERT_TRUE(router_.RequestControl(v, "a").ok());
  ASSERT_TRUE(router_.RequestControl(v, "b").ok());
  ASSERT_TRUE(router_.Text(v, "1").ok());  // focus: the first watched
  ASSERT_TRUE(router_.Focus(v, "b").ok());
  ASSERT_TRUE(router_.Text(v, "2").ok());
  EXPECT_EQ(a_.log, (std::vector<std::string>{"T1"}));
  EXPECT_EQ(b_.log, (std::vector<std::string>{"T2"}));
  EXPECT_EQ(router_.Focus(v, "zzz").error().code(), ErrorCode::kFailedPrecondition);
}

TEST(InputRouterAuthTest, AuthorizerGuardsWatchAndControl) {
  RecordingSink sink;
  InputRouter router([](const std::string& who, const std::string&, Permission p) -> Result<void> {
    if (who == "guest" && p == Permission::kControl) {
      return Error(ErrorCode::kPermissionDenied, "guests may only watch");
    }
    if (who == "nobody") return Error(ErrorCode::kPermissionDenied, "no access");
    return Ok();
  });
  ASSERT_TRUE(router.AddInstance("a", &sink).ok());
  ViewerId g = router.AddViewer("guest");
  ViewerId n = router.AddViewer("nobody");
  ViewerId o = router.AddViewer("owner");
  EXPECT_EQ(router.Watch(n, "a").error().code(), ErrorCode::kPermissionDenied);
  ASSERT_TRUE(router.Watch(g, "a").ok());
  ASSERT_TRUE(router.Watch(o, "a").ok());
  EXPECT_EQ(router.RequestControl(g, "a").error().code(), ErrorCode::kPermissionDenied);
  ASSERT_TRUE(router.RequestControl(o, "a").ok());
  EXPECT_EQ(router.HandOver(o, g, "a").error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(router.controller("a"), o);
}

TEST(InputRouterRemoveTest, RemovedInstanceGetsNothing) {
  RecordingSink sink;
  InputRouter router;
  ASSERT_TRUE(router.AddInstance("a", &sink).ok());
  EXPECT_EQ(router.AddInstance("a", &sink).error().code(), ErrorCode::kAlreadyExists);
  ViewerId v = router.AddViewer("x");
  ASSERT_TRUE(router.Watch(v, "a").ok());
  ASSERT_TRUE(router.RequestControl(v, "a").ok());
  router.RemoveInstance("a");
  EXPECT_FALSE(router.Text(v, "x").ok());
  EXPECT_TRUE(sink.log.empty());
}

}  // namespace
}  // namespace vmi::input
