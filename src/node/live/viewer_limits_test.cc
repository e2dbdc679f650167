#include "node/live/viewer_limits.h"

#include <gtest/gtest.h>

#include <vector>

namespace vmi::node::live {
namespace {

TEST(ViewerLimitsTest, PerInstanceAndPerUserCaps) {
  ViewerLimits limits(2, 3);
  auto a1 = limits.Acquire("a", 1);
  auto a2 = limits.Acquire("a", 1);
  ASSERT_TRUE(a1.ok() && a2.ok());
  auto a3 = limits.Acquire("a", 2);
  ASSERT_FALSE(a3.ok());
  EXPECT_EQ(a3.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_NE(a3.error().message().find("this instance"), std::string::npos);
  EXPECT_EQ(limits.refused_per_instance(), 1u);

  auto b1 = limits.Acquire("b", 1);
  ASSERT_TRUE(b1.ok());
  auto b2 = limits.Acquire("b", 1);  // user 1 has 3 already
  ASSERT_FALSE(b2.ok());
  EXPECT_NE(b2.error().message().find("user"), std::string::npos);
  EXPECT_EQ(limits.refused_per_user(), 1u);
  EXPECT_TRUE(limits.Acquire("b", 2).ok()) << "another user is not affected";

  // Releasing (twice is harmless) frees the place.
  (*a1)->Release();
  (*a1)->Release();
  EXPECT_TRUE(limits.Acquire("a", 1).ok());
}

TEST(ViewerLimitsTest, DestructionReleases) {
  ViewerLimits limits(1, 1);
  {
    auto t = limits.Acquire("a", 1);
    ASSERT_TRUE(t.ok());
    EXPECT_FALSE(limits.Acquire("a", 1).ok());
  }
  EXPECT_TRUE(limits.Acquire("a", 1).ok());
}

}  // namespace
}  // namespace vmi::node::live
