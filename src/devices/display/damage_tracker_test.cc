#include "devices/display/damage_tracker.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <set>

namespace vmi::display {
namespace {

struct Frame {
  int w, h, stride;
  std::vector<uint8_t> px;
  Frame(int w_, int h_, int pad = 64) : w(w_), h(h_), stride(w_ * 4 + pad) {
    px.assign(static_cast<size_t>(stride) * h, 0);
    std::mt19937 rng(1);
    for (auto& b : px) b = rng() & 0xff;
  }
  void Set(int x, int y, uint32_t v) {
    std::memcpy(&px[static_cast<size_t>(stride) * y + 4 * x], &v, 4);
  }
};

// The set of tiles covered by `rects`, failing on any overlap.
std::set<std::pair<int, int>> Tiles(const std::vector<Rect>& rects, int tw, int th) {
  std::set<std::pair<int, int>> out;
  for (const auto& r : rects) {
    for (int ty = r.y / th; ty * th < r.y + r.h; ++ty) {
      for (int tx = r.x / tw; tx * tw < r.x + r.w; ++tx) {
        EXPECT_TRUE(out.insert({tx, ty}).second) << "overlap at tile " << tx << "," << ty;
      }
    }
  }
  return out;
}

class DamageTrackerTest : public ::testing::TestWithParam<SimdLevel> {};

TEST_P(DamageTrackerTest, FirstUpdateIsWholeFrameThenStill) {
  Frame f(720, 1280);
  DamageTracker t({64, 16, GetParam()});
  auto d = t.Update(f.px.data(), f.w, f.h, f.stride);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0], (Rect{0, 0, 720, 1280}));
  EXPECT_TRUE(t.Update(f.px.data(), f.w, f.h, f.stride).empty());
  EXPECT_TRUE(t.Update(f.px.data(), f.w, f.h, f.stride).empty());
  // The shadow is an exact copy.
  for (int y = 0; y < f.h; ++y) {
    ASSERT_EQ(0, std::memcmp(t.shadow() + y * t.shadow_stride(), &f.px[size_t(f.stride) * y],
                             f.w * 4));
  }
}

TEST_P(DamageTrackerTest, DamageCoversExactlyTheChangedTiles) {
  Frame f(720, 1280);
  DamageTracker t({64, 16, GetParam()});
  (void)t.Update(f.px.data(), f.w, f.h, f.stride);
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    std::set<std::pair<int, int>> want;
    int n = 1 + rng() % 40;
    for (int i = 0; i < n; ++i) {
      int x = rng() % f.w, y = rng() % f.h;
      f.Set(x, y, rng() | 1u);
      // The value may equal the old one by chance; recompute from the shadow.
    }
    for (int y = 0; y < f.h; ++y) {
      for (int x = 0; x < f.w; ++x) {
        if (std::memcmp(t.shadow() + y * t.shadow_stride() + 4 * x,
                        &f.px[size_t(f.stride) * y + 4 * x], 4) != 0) {
          want.insert({x / 64, y / 16});
        }
      }
    }
    auto d = t.Update(f.px.data(), f.w, f.h, f.stride);
    EXPECT_EQ(Tiles(d, 64, 16), want) << "round " << round;
    for (const auto& r : d) {
      EXPECT_GE(r.x, 0);
      EXPECT_GE(r.y, 0);
      EXPECT_LE(r.x + r.w, f.w);
      EXPECT_LE(r.y + r.h, f.h);
    }
    EXPECT_TRUE(t.Update(f.px.data(), f.w, f.h, f.stride).empty());
  }
}

TEST_P(DamageTrackerTest, LastPixelOfPartialTileIsSeen) {
  Frame f(720, 1280);  // 720 = 11 * 64 + 16: the last column is 16 wide
  DamageTracker t({64, 16, GetParam()});
  (void)t.Update(f.px.data(), f.w, f.h, f.stride);
  f.Set(719, 1279, 0x12345678);
  auto d = t.Update(f.px.data(), f.w, f.h, f.stride);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0], (Rect{704, 1264, 16, 16}));
}

TEST_P(DamageTrackerTest, SizeChangeReportsWholeFrame) {
  Frame f(1280, 1280);
  DamageTracker t({64, 16, GetParam()});
  (void)t.Update(f.px.data(), 720, 1280, f.stride);
  auto d = t.Update(f.px.data(), 1280, 720, f.stride);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0], (Rect{0, 0, 1280, 720}));
  EXPECT_EQ(t.width(), 1280);
  EXPECT_EQ(t.height(), 720);
}

INSTANTIATE_TEST_SUITE_P(Simd, DamageTrackerTest,
                         ::testing::Values(SimdLevel::kPortable, SimdLevel::kSse2,
                                           SimdLevel::kAvx2),
                         [](const auto& info) { return SimdLevelName(info.param); });

TEST(MergeTilesTest, MergesRunsAndStacks) {
  // 4x4 grid:
  //   X X . .
  //   X X . X
  //   . . . X
  //   X . . .
  std::vector<uint8_t> g = {1, 1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0};
  auto r = MergeTiles(g, 4, 4, 10, 10, 35, 40);
  std::vector<Rect> want = {{0, 0, 20, 20}, {30, 10, 5, 20}, {0, 30, 10, 10}};
  std::set<std::tuple<int, int, int, int>> got_set, want_set;
  for (auto& x : r) got_set.insert({x.x, x.y, x.w, x.h});
  for (auto& x : want) want_set.insert({x.x, x.y, x.w, x.h});
  EXPECT_EQ(got_set, want_set);
}

TEST(MergeTilesTest, DifferentRunsDoNotStack) {
  std::vector<uint8_t> g = {1, 1, 1, 1, 0, 0};  // 3x2
  auto r = MergeTiles(g, 3, 2, 8, 8, 24, 16);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(Tiles(r, 8, 8).size(), 4u);
}

}  // namespace
}  // namespace vmi::display
