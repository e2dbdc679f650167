#include "base/clock.h"

#include <gtest/gtest.h>
#include <time.h>

#include <thread>

namespace vmi {
namespace {

TEST(Clock, MonotonicAdvancesAndAgreesWithTheKernel) {
  int64_t a = MonotonicMicros();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  int64_t b = MonotonicMicros();
  EXPECT_GE(b - a, 20000);
  EXPECT_LT(b - a, 2000000);
  EXPECT_NEAR(static_cast<double>(MonotonicMillis()), static_cast<double>(b / 1000), 1000);
}

TEST(Clock, WallTimeIsTheEpochTime) {
  int64_t t = time(nullptr);
  EXPECT_NEAR(static_cast<double>(WallSeconds()), static_cast<double>(t), 2);
  EXPECT_NEAR(static_cast<double>(WallMicros() / 1000000), static_cast<double>(t), 2);
}

TEST(Clock, MillisUntilNeverGoesNegative) {
  auto now = std::chrono::steady_clock::now();
  EXPECT_EQ(MillisUntil(now - std::chrono::seconds(5)), 0);
  int left = MillisUntil(now + std::chrono::milliseconds(500));
  EXPECT_GT(left, 400);
  EXPECT_LE(left, 500);
}

}  // namespace
}  // namespace vmi
