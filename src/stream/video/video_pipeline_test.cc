#include "stream/video/video_pipeline.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "stream/video/test_h264_decoder.h"
#include "stream/video/test_pattern_source.h"

namespace vmi::video {
namespace {

using namespace std::chrono_literals;

// Polls `cond` for up to 10 s (generous: the machine is shared; nothing here
// asserts a timing).
template <typename F>
bool Eventually(F cond) {
  for (int i = 0; i < 1000; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return cond();
}

PipelineOptions SmallOptions() {
  PipelineOptions o;
  o.fps = 60;
  o.channel = {.max_frames = 4, .max_bytes = 1 << 20};
  o.bitrate = {.initial_kbps = 4000, .min_kbps = 200, .max_kbps = 8000,
               .decrease_interval_us = 50'000};
  return o;
}

TEST(VideoPipelineTest, SlowViewerDropsWhileOthersKeepReceiving) {
  TestPatternSource src(320, 240);
  src.SetAnimating(true);
  VideoPipeline pipe(&src, SmallOptions());
  auto fast1 = pipe.AddViewer(Codec::kH264, nullptr);
  auto fast2 = pipe.AddViewer(Codec::kH264, nullptr);
  auto slow = pipe.AddViewer(Codec::kH264, nullptr);  // never reads

  // Each fast viewer decodes everything it gets with its own decoder.
  auto d1 = TestH264Decoder::Create();
  auto d2 = TestH264Decoder::Create();
  ASSERT_TRUE(d1.ok() && d2.ok());
  int got1 = 0, got2 = 0;
  size_t max_slow_queue = 0;
  int decode_errors = 0;
  ASSERT_TRUE(Eventually([&] {
    for (FramePtr f; (f = fast1->Pop());) {
      decode_errors += !(*d1)->Decode(f->data).ok();
      ++got1;
    }
    for (FramePtr f; (f = fast2->Pop());) {
      decode_errors += !(*d2)->Decode(f->data).ok();
      ++got2;
    }
    max_slow_queue = std::max(max_slow_queue, slow->stats().queued_frames);
    return got1 >= 60 && got2 >= 60 && slow->stats().overflows >= 2;
  }));
  EXPECT_EQ(decode_errors, 0);
  auto s = slow->stats();
  EXPECT_LE(max_slow_queue, 4u);  // memory bounded by the channel limit
  EXPECT_GT(s.dropped, 0u);
  auto ps = pipe.stats();
  // The overflows asked for keyframes, which the encoder produced: one for
  // the joins plus at least one per overflow (some coalesce with others).
  EXPECT_GE(ps.h264_keyframes, 2u);
  // The slow viewer's backlog pulled the bitrate cap down.
  EXPECT_LT(ps.bitrate_kbps, 4000);
  // Frames were encoded once for all viewers.
  EXPECT_LE(static_cast<uint64_t>(got1), ps.h264_frames);
  EXPECT_EQ(fast1->stats().dropped, 0u);
}

TEST(VideoPipelineTest, SmallChangesGoAsRegionsWhileEveryViewerDrawsThem) {
  TestPatternSource src(320, 240);
  src.SetAnimating(true);  // a 64x64 box moving 8 pixels a capture
  VideoPipeline pipe(&src, SmallOptions());
  auto drains = [](const std::shared_ptr<ViewerChannel>& v, int* regions, int* full) {
    for (FramePtr f; (f = v->Pop());) ++*(f->regions.empty() ? full : regions);
  };
  auto a = pipe.AddViewer(Codec::kH264, nullptr, /*regions=*/true);
  int a_regions = 0, a_full = 0;
  ASSERT_TRUE(Eventually([&] {
    drains(a, &a_regions, &a_full);
    return a_regions >= 10;
  }));
  EXPECT_GE(a_full, 1);  // the first picture, whole
  EXPECT_GT(pipe.stats().region_inits, 0u);

  // A viewer that cannot draw regions: the stream is the full one again,
  // for both (one region frame may have been under way).
  auto b = pipe.AddViewer(Codec::kH264, nullptr);
  int b_regions = 0, b_full = 0;
  int a_regions_then = a_regions;
  ASSERT_TRUE(Eventually([&] {
    drains(a, &a_regions, &a_full);
    drains(b, &b_regions, &b_full);
    return b_full >= 10;
  }));
  EXPECT_EQ(b_regions, 0);
  EXPECT_LE(a_regions, a_regions_then + 1);
}

TEST(VideoPipelineTest, StillScreenEncodesNothingAndThreadStopsWithoutViewers) {
  TestPatternSource src(160, 160);
  VideoPipeline pipe(&src, SmallOptions());
  auto v = pipe.AddViewer(Codec::kH264, nullptr);
  ASSERT_TRUE(Eventually([&] { return v->stats().pushed == 1; }));
  FramePtr first = v->Pop();
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->keyframe);
  EXPECT_EQ(first->width, 160);
  // Many captures of an unchanged screen, no more frames.
  int base = src.captures();
  ASSERT_TRUE(Eventually([&] { return src.captures() > base + 10; }));
  EXPECT_EQ(pipe.stats().h264_frames, 1u);
  EXPECT_EQ(v->Pop(), nullptr);

  // A keyframe request is served on a still screen.
  v->RequestKeyframe();
  pipe.Wake();
  ASSERT_TRUE(Eventually([&] { return v->stats().pushed == 2; }));
  EXPECT_TRUE(v->Pop()->keyframe);

  pipe.RemoveViewer(v);
  ASSERT_TRUE(Eventually([&] { return !pipe.stats().running; }));
  int stopped_at = src.captures();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(src.captures(), stopped_at);

  // Restarts on demand with a fresh encoder and a keyframe.
  auto again = pipe.AddViewer(Codec::kH264, nullptr);
  ASSERT_TRUE(Eventually([&] { return again->stats().pushed >= 1; }));
  EXPECT_TRUE(again->Pop()->keyframe);
  auto ps = pipe.stats();
  EXPECT_EQ(ps.thread_starts, 2u);
  EXPECT_EQ(ps.encoder_inits, 2u);
}

TEST(VideoPipelineTest, ResizeReinitsTheEncoderWithAKeyframe) {
  TestPatternSource src(240, 320);
  VideoPipeline pipe(&src, SmallOptions());
  auto v = pipe.AddViewer(Codec::kH264, nullptr);
  ASSERT_TRUE(Eventually([&] { return v->stats().pushed == 1; }));
  EXPECT_EQ(v->Pop()->width, 240);
  src.Resize(320, 240);  // rotation
  ASSERT_TRUE(Eventually([&] { return v->stats().pushed == 2; }));
  FramePtr f = v->Pop();
  EXPECT_TRUE(f->keyframe);
  EXPECT_EQ(f->width, 320);
  EXPECT_EQ(f->height, 240);
  auto dec = TestH264Decoder::Create();
  ASSERT_TRUE(dec.ok());
  auto pic = (*dec)->Decode(f->data);
  ASSERT_TRUE(pic.ok());
  EXPECT_EQ(pic->width, 320);
  EXPECT_EQ(pipe.stats().encoder_inits, 2u);
}

TEST(VideoPipelineTest, JpegViewersGetAFullFrameThenDamagedRectangles) {
  TestPatternSource src(320, 240);
  VideoPipeline pipe(&src, SmallOptions());
  auto j = pipe.AddViewer(Codec::kJpeg, nullptr);
  ASSERT_TRUE(Eventually([&] { return j->stats().pushed == 1; }));
  FramePtr full = j->Pop();
  EXPECT_TRUE(full->keyframe);
  EXPECT_EQ(full->rect, (display::Rect{0, 0, 320, 240}));
  src.SetAnimating(true);
  ASSERT_TRUE(Eventually([&] { return j->stats().pushed >= 3; }));
  FramePtr part = j->Pop();
  EXPECT_FALSE(part->keyframe);
  EXPECT_EQ(part->rect.h, TestPatternSource::kBox);
  EXPECT_LT(part->rect.w, 320);
  // No H.264 viewer, no H.264 work.
  EXPECT_EQ(pipe.stats().h264_frames, 0u);
}

}  // namespace
}  // namespace vmi::video
