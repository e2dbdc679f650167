#include "stream/video/bitrate_controller.h"

#include <gtest/gtest.h>

namespace vmi::video {
namespace {

TEST(BitrateControllerTest, CutsOnCongestionAndRecoversWithinBounds) {
  BitrateController c({.initial_kbps = 4000, .min_kbps = 500, .max_kbps = 6000});
  int64_t t = 1'000'000;
  EXPECT_EQ(c.Update(t, 0, false), 4000);
  // Backlog: -20% once the decrease interval has passed.
  EXPECT_EQ(c.Update(t + 100'000, 5, false), 4000);
  EXPECT_EQ(c.Update(t + 300'000, 5, false), 3200);
  // A drop cuts harder (-40%), still rate-limited.
  EXPECT_EQ(c.Update(t + 400'000, 0, true), 3200);
  EXPECT_EQ(c.Update(t + 600'000, 0, true), 1920);
  for (int i = 0; i < 20; ++i) c.Update(t + 1'000'000 + i * 300'000, 9, true);
  EXPECT_EQ(c.kbps(), 500);
  // Quiet for long enough: +15% steps up to the maximum.
  int64_t u = t + 10'000'000;
  int prev = c.kbps();
  EXPECT_GT(c.Update(u, 0, false), prev);
  EXPECT_EQ(c.Update(u + 1'000'000, 1, false), c.kbps());
  for (int i = 1; i < 40; ++i) c.Update(u + i * 2'000'000, 0, false);
  EXPECT_EQ(c.kbps(), 6000);
}

}  // namespace
}  // namespace vmi::video
