#include "base/backoff.h"

#include <gtest/gtest.h>

namespace vmi {

namespace {

using std::chrono::milliseconds;

TEST(Backoff, DoublesUpToTheCap) {
  Backoff b(BackoffSpec{milliseconds(100), milliseconds(1000), milliseconds(5000)});
  EXPECT_EQ(b.OnExit(milliseconds(0)), milliseconds(100));
  EXPECT_EQ(b.OnExit(milliseconds(10)), milliseconds(200));
  EXPECT_EQ(b.OnExit(milliseconds(10)), milliseconds(400));
  EXPECT_EQ(b.OnExit(milliseconds(10)), milliseconds(800));
  EXPECT_EQ(b.OnExit(milliseconds(10)), milliseconds(1000));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(b.OnExit(milliseconds(10)), milliseconds(1000));
}

TEST(Backoff, ResetsAfterAStableRun) {
  Backoff b(BackoffSpec{milliseconds(100), milliseconds(1000), milliseconds(5000)});
  b.OnExit(milliseconds(0));
  b.OnExit(milliseconds(0));
  EXPECT_EQ(b.OnExit(milliseconds(4999)), milliseconds(400));
  EXPECT_EQ(b.OnExit(milliseconds(5000)), milliseconds(100));
  EXPECT_EQ(b.OnExit(milliseconds(1)), milliseconds(200));
}

TEST(Backoff, FailuresWithoutUptimeEscalateUntilReset) {
  Backoff b(BackoffSpec{milliseconds(100), milliseconds(5000)});
  EXPECT_EQ(b.OnFailure(), milliseconds(100));
  EXPECT_EQ(b.OnFailure(), milliseconds(200));
  EXPECT_EQ(b.OnFailure(), milliseconds(400));
  b.Reset();
  EXPECT_EQ(b.consecutive_failures(), 0);
  EXPECT_EQ(b.OnFailure(), milliseconds(100));
}

}  // namespace
}  // namespace vmi
