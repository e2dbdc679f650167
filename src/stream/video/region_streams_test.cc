#include "stream/video/region_streams.h"

#include <gtest/gtest.h>

#include <map>

#include "stream/video/test_h264_decoder.h"

namespace vmi::video {
namespace {

using display::Rect;

constexpr int64_t kNoLimit = 1 << 30;

TEST(PlanRegionsTest, WidensDamageToMacroblocks) {
  auto p = PlanRegions({}, {{20, 35, 10, 2}}, 320, 240, 4, kNoLimit);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(*p, (std::vector<Rect>{{16, 32, 16, 16}}));
}

TEST(PlanRegionsTest, DamageInsideARegionKeepsIt) {
  std::vector<Rect> have = {{0, 0, 64, 32}, {160, 160, 32, 32}};
  auto p = PlanRegions(have, {{170, 170, 5, 5}, {3, 3, 50, 20}}, 320, 240, 4, kNoLimit);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(*p, have);
}

TEST(PlanRegionsTest, OverlappingDamageMergesRegions) {
  // The new rectangle overlaps both regions; their union is one region.
  std::vector<Rect> have = {{0, 0, 32, 32}, {64, 0, 32, 32}};
  auto p = PlanRegions(have, {{16, 16, 64, 8}}, 320, 240, 4, kNoLimit);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(*p, (std::vector<Rect>{{0, 0, 96, 32}}));
}

TEST(PlanRegionsTest, TooManyOrTooLargeIsNoPlan) {
  std::vector<Rect> five;
  for (int i = 0; i < 5; ++i) five.push_back({i * 48, 0, 16, 16});
  EXPECT_FALSE(PlanRegions({}, five, 320, 240, 4, kNoLimit).has_value());
  EXPECT_FALSE(PlanRegions({}, {{0, 0, 200, 100}}, 320, 240, 4, 320 * 240 / 4).has_value());
  EXPECT_TRUE(PlanRegions({}, {{0, 0, 160, 100}}, 320, 240, 4, 320 * 240 / 4).has_value());
}

TEST(PlanRegionsTest, EdgesStayOnTheScreen) {
  // 330 is not a multiple of 16: the region at the right edge is moved in.
  auto p = PlanRegions({}, {{325, 0, 4, 4}}, 330, 240, 4, kNoLimit);
  ASSERT_TRUE(p.has_value());
  ASSERT_EQ(p->size(), 1u);
  EXPECT_EQ((*p)[0].x + (*p)[0].w, 330);
  EXPECT_EQ((*p)[0].w, 16);
}

// A screen in memory: BGRX pixels and the damage of the last change.
struct Screen {
  int w, h;
  std::vector<uint32_t> px;
  Screen(int w_, int h_) : w(w_), h(h_), px(static_cast<size_t>(w_) * h_) {
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) px[y * w + x] = 0xff000000 | ((x * 255 / w) << 16) | ((y * 255 / h) << 8) | 0x40;
  }
  void Fill(Rect r, uint32_t c) {
    for (int y = r.y; y < r.y + r.h; ++y)
      for (int x = r.x; x < r.x + r.w; ++x) px[y * w + x] = c;
  }
  display::FrameView View(std::vector<Rect> damage, int64_t t) const {
    display::FrameView v;
    v.pixels = reinterpret_cast<const uint8_t*>(px.data());
    v.width = w;
    v.height = h;
    v.stride = w * 4;
    v.damage = std::move(damage);
    v.capture_time_us = t;
    return v;
  }
};

// What a client does: the full stream's pictures whole, each region picture
// at its place, every region stream with a decoder of its own.
struct Client {
  std::vector<uint32_t> canvas;
  int w = 0;
  std::unique_ptr<TestH264Decoder> full;
  std::map<uint16_t, std::unique_ptr<TestH264Decoder>> regions;

  void Present(const EncodedFrame& f) {
    if (f.regions.empty()) {
      auto pic = full->Decode(f.data);
      ASSERT_TRUE(pic.ok()) << pic.error().ToString();
      canvas = pic->bgrx;
      w = pic->width;
      return;
    }
    std::map<uint16_t, std::unique_ptr<TestH264Decoder>> live;
    for (const RegionPart& p : f.regions) {
      // Listed regions live on; the others are gone.
      if (regions.count(p.id)) live[p.id] = std::move(regions[p.id]);
    }
    regions = std::move(live);
    for (const RegionPart& p : f.regions) {
      if (p.size == 0) {
        ASSERT_TRUE(regions.count(p.id)) << "region " << p.id << " listed before its start";
        continue;
      }
      auto& dec = regions[p.id];
      if (!dec) {
        ASSERT_TRUE(p.keyframe) << "region " << p.id << " starts without an IDR";
        dec = std::move(*TestH264Decoder::Create());
      }
      std::vector<uint8_t> au(f.data.begin() + p.offset, f.data.begin() + p.offset + p.size);
      auto pic = dec->Decode(au);
      ASSERT_TRUE(pic.ok()) << pic.error().ToString();
      ASSERT_EQ(pic->width, p.rect.w);
      ASSERT_EQ(pic->height, p.rect.h);
      for (int y = 0; y < p.rect.h; ++y)
        for (int x = 0; x < p.rect.w; ++x) canvas[(p.rect.y + y) * w + p.rect.x + x] = pic->At(x, y);
    }
  }
  // The largest difference from the screen away from sharp edges (where
  // lossy coding rings; a picture drawn at the wrong place differs on whole
  // flat areas).
  int WorstDistance(const Screen& s) const {
    int worst = 0;
    for (int y = 3; y < s.h - 3; ++y) {
      for (int x = 3; x < s.w - 3; ++x) {
        uint32_t c = s.px[y * s.w + x];
        bool edge = false;
        for (int dy = -3; dy <= 3 && !edge; ++dy)
          for (int dx = -3; dx <= 3 && !edge; ++dx)
            edge = ColourDistance(s.px[(y + dy) * s.w + x + dx], c) > 8;
        if (!edge) worst = std::max(worst, ColourDistance(canvas[y * w + x], c & 0xffffff));
      }
    }
    return worst;
  }
};

TEST(RegionStreamsTest, SmallChangesAsRegionsThenTheFullStreamCatchesUp) {
  Screen screen(320, 240);
  H264Options o;
  o.width = 320;
  o.height = 240;
  auto full = H264Encoder::Create(o);
  ASSERT_TRUE(full.ok());
  RegionStreams regions(RegionOptions{});
  Client client;
  client.full = std::move(*TestH264Decoder::Create());
  int64_t t = 1000;
  auto first = (*full)->Encode(screen.View({{0, 0, 320, 240}}, t), true);
  ASSERT_TRUE(first.ok());
  client.Present(*first);
  std::vector<Rect> behind;  // what the full stream has not seen

  // Two small changes far apart: two regions, each an IDR; then changes
  // inside them: deltas of the same streams. The canvas follows the screen.
  for (int i = 0; i < 6; ++i) {
    Rect a{40 + i, 20, 30, 20}, b{196 + (i & 1), 150, 40, 40};
    screen.Fill(a, 0xff000000 | (i * 40) << 16);
    screen.Fill(b, 0xff00ff00 - (i * 30 << 8));
    auto f = regions.Encode(screen.View({a, b}, t += 33000), (*full)->codec_string(), 4000);
    ASSERT_TRUE(f.ok()) << f.error().ToString();
    ASSERT_TRUE(f->has_value()) << "small damage should go to regions";
    ASSERT_EQ((*f)->regions.size(), 2u);
    for (const RegionPart& p : (*f)->regions) EXPECT_EQ(p.keyframe, i == 0) << "frame " << i;
    EXPECT_FALSE((*f)->keyframe);
    EXPECT_EQ((*f)->codec_string, (*full)->codec_string());
    client.Present(**f);
    EXPECT_LE(client.WorstDistance(screen), 32) << "frame " << i;
    behind.push_back(a);
    behind.push_back(b);
  }
  EXPECT_EQ(regions.encoder_inits(), 2u);

  // Only one region changes: only it has a picture; the other is listed.
  screen.Fill({45, 25, 8, 8}, 0xffffffff);
  auto one = regions.Encode(screen.View({{45, 25, 8, 8}}, t += 33000), "", 4000);
  ASSERT_TRUE(one.ok() && one->has_value());
  ASSERT_EQ((*one)->regions.size(), 2u);
  EXPECT_GT((*one)->regions[0].size, 0u);
  EXPECT_EQ((*one)->regions[1].size, 0u);
  EXPECT_EQ((*one)->data.size(), (*one)->regions[0].size);
  client.Present(**one);
  behind.push_back({45, 25, 8, 8});

  // A large change is no region frame; the full stream takes it with all it
  // missed, and the canvas (regions drawn over an older full picture) is
  // replaced by a full picture equal to the screen.
  Rect big{0, 60, 320, 120};
  screen.Fill(big, 0xff102030);
  auto none = regions.Encode(screen.View({big}, t += 33000), "", 4000);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  regions.Reset();
  EXPECT_FALSE(regions.active());
  behind.push_back(big);
  auto f = (*full)->Encode(screen.View(behind, t), false);
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->keyframe);
  client.Present(*f);
  EXPECT_LE(client.WorstDistance(screen), 32);
}

TEST(RegionStreamsTest, DamageOutsideTheRegionsStartsAFreshPlanWhenTheOldOneIsFull) {
  // A box moving across the screen: the region grows with it until it would
  // cover too much, then the plan starts over from this frame's damage.
  Screen screen(320, 240);
  RegionStreams regions(RegionOptions{});
  int64_t t = 0;
  uint64_t inits = 0;
  for (int x = 0; x + 64 <= 320; x += 16) {
    Rect r{x, 60, 64, 96};
    screen.Fill(r, 0xff000000 | (x & 0xff));
    auto f = regions.Encode(screen.View({r}, t += 1000), "avc1.42C01F", 4000);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(f->has_value()) << "at x=" << x;
    int64_t area = 0;
    for (const RegionPart& p : (*f)->regions) area += int64_t{p.rect.w} * p.rect.h;
    EXPECT_LE(area, 320 * 240 / 4);
    inits = regions.encoder_inits();
  }
  EXPECT_GT(inits, 2u) << "the region should have been replanned as the box moved";
}

}  // namespace
}  // namespace vmi::video
