#include "api/http/connection_limiter.h"

#include <gtest/gtest.h>

#include <vector>

namespace vmi::api {
namespace {

using Refusal = ConnectionLimiter::Refusal;

TEST(ConnectionLimiterTest, PerClientCapLeavesOtherClientsAlone) {
  auto owner = std::make_shared<ConnectionLimiter>(100, 3);
  ConnectionLimiter& limiter = *owner;
  std::vector<std::shared_ptr<ConnectionLimiter::Slot>> held;
  Refusal why;
  for (int i = 0; i < 3; ++i) {
    held.push_back(limiter.TryAcquire("10.0.0.1", &why));
    ASSERT_TRUE(held.back());
  }
  EXPECT_FALSE(limiter.TryAcquire("10.0.0.1", &why));
  EXPECT_EQ(why, Refusal::kPerClient);
  EXPECT_TRUE(limiter.TryAcquire("10.0.0.2", &why)) << "another client is served";
  EXPECT_EQ(limiter.stats().refused_per_client, 1u);
  held.pop_back();  // a slot frees itself with its last holder
  EXPECT_TRUE(limiter.TryAcquire("10.0.0.1", &why));
}

TEST(ConnectionLimiterTest, TotalCap) {
  auto owner = std::make_shared<ConnectionLimiter>(2, 10);
  ConnectionLimiter& limiter = *owner;
  Refusal why;
  auto a = limiter.TryAcquire("a", &why);
  auto b = limiter.TryAcquire("b", &why);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(limiter.stats().open, 2u);
  EXPECT_FALSE(limiter.TryAcquire("c", &why));
  EXPECT_EQ(why, Refusal::kTotal);
  EXPECT_EQ(limiter.stats().refused_total, 1u);
  a.reset();
  EXPECT_EQ(limiter.stats().open, 1u);
  EXPECT_TRUE(limiter.TryAcquire("c", &why));
}

}  // namespace
}  // namespace vmi::api
