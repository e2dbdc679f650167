// ControlArbiter over the node's InputRouter: browser viewers and another
// party of the router (a VNC client) share one notion of control.
#include "stream/web/control_arbiter.h"

#include <gtest/gtest.h>

#include <atomic>

#include "stream/web/testing_sinks.h"

namespace vmi::web {
namespace {

using input::InputRouter;

class ControlArbiterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(router_.AddInstance("i1", &sink_).ok());
    vnc_ = router_.AddViewer("vnc");
    ASSERT_TRUE(router_.Watch(vnc_, "i1").ok());
  }
  Result<void> Point(ControlArbiter& arb, uint32_t v, int x) {
    return arb.Deliver(v, [&](input::InputSink& s) { return s.Pointer({x, 1, 0}); });
  }
  RecordingSink sink_;
  InputRouter router_;
  input::ViewerId vnc_ = 0;
};

TEST_F(ControlArbiterTest, BrowserAndVncHandControlThroughTheRouter) {
  ControlArbiter arb(&router_, "i1");
  std::atomic<int> a_changes{0};
  uint32_t a = arb.Join([&] { a_changes++; });
  uint32_t b = arb.Join(nullptr);
  EXPECT_EQ(arb.view().viewers, 2);
  EXPECT_EQ(arb.view().controller, 0u);

  // Implicit control on first input; the router knows it.
  ASSERT_TRUE(Point(arb, a, 10).ok());
  EXPECT_EQ(arb.view().controller, a);
  EXPECT_NE(router_.controller("i1"), 0u);
  EXPECT_NE(router_.controller("i1"), vnc_);
  auto r = Point(arb, b, 11);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_FALSE(router_.RequestControl(vnc_, "i1", InputRouter::Take::kIfFree).ok());
  EXPECT_FALSE(router_.Pointer(vnc_, {12, 1, 0}).ok());

  // The VNC client takes over: browsers are told, see "another party", and
  // their input is refused.
  int before = a_changes;
  ASSERT_TRUE(router_.RequestControl(vnc_, "i1", InputRouter::Take::kForce).ok());
  EXPECT_GT(a_changes.load(), before);
  EXPECT_EQ(arb.view().controller, kOtherParty);
  r = Point(arb, a, 13);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied);
  ASSERT_TRUE(router_.Pointer(vnc_, {14, 1, 0}).ok());

  // A browser asks for control back (cooperative hand-over).
  arb.Request(b);
  EXPECT_EQ(arb.view().controller, b);
  ASSERT_TRUE(Point(arb, b, 15).ok());
  EXPECT_FALSE(router_.Pointer(vnc_, {16, 1, 0}).ok());

  // Leaving gives control up; the VNC client can take it when free.
  arb.Leave(b);
  EXPECT_EQ(arb.view().controller, 0u);
  EXPECT_EQ(arb.view().viewers, 1);
  EXPECT_TRUE(router_.RequestControl(vnc_, "i1", InputRouter::Take::kIfFree).ok());

  std::vector<std::string> want = {"pointer 10 1 0", "pointer 14 1 0", "pointer 15 1 0"};
  EXPECT_EQ(sink_.events(), want);
}

TEST_F(ControlArbiterTest, ReleaseAndAStoppedInstance) {
  ControlArbiter arb(&router_, "i1");
  uint32_t a = arb.Join(nullptr);
  ASSERT_TRUE(Point(arb, a, 1).ok());
  arb.Release(a);
  EXPECT_EQ(router_.controller("i1"), 0u);
  // The instance leaves the router (stopped): browser input goes nowhere.
  router_.RemoveInstance("i1");
  EXPECT_FALSE(Point(arb, a, 2).ok());
  // A viewer joining an instance the router no longer has only watches.
  uint32_t late = arb.Join(nullptr);
  EXPECT_FALSE(Point(arb, late, 3).ok());
  EXPECT_EQ(sink_.events(), std::vector<std::string>{"pointer 1 1 0"});
}

TEST(ControlArbiterStandaloneTest, PrivateRouterDeliversToTheSink) {
  RecordingSink sink;
  ControlArbiter arb(&sink);
  uint32_t a = arb.Join(nullptr), b = arb.Join(nullptr);
  ASSERT_TRUE(arb.Deliver(a, [](input::InputSink& s) { return s.Text("hé"); }).ok());
  EXPECT_FALSE(arb.Deliver(b, [](input::InputSink& s) { return s.Text("x"); }).ok());
  arb.Request(b);
  ASSERT_TRUE(arb.Deliver(b, [](input::InputSink& s) { return s.Text("y"); }).ok());
  EXPECT_EQ(sink.events(), (std::vector<std::string>{"text hé", "text y"}));
}

}  // namespace
}  // namespace vmi::web
