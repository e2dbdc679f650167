#include "stream/video/viewer_channel.h"

#include <gtest/gtest.h>

namespace vmi::video {
namespace {

FramePtr Frame(bool key, size_t bytes = 100) {
  auto f = std::make_shared<EncodedFrame>();
  f->keyframe = key;
  f->data.resize(bytes);
  return f;
}

TEST(ViewerChannelTest, StartsWaitingForAKeyframe) {
  int ready = 0;
  ViewerChannel ch(Codec::kH264, {}, [&] { ++ready; });
  EXPECT_TRUE(ch.TakeKeyframeRequest());
  EXPECT_FALSE(ch.TakeKeyframeRequest());
  EXPECT_FALSE(ch.Push(Frame(false)));
  EXPECT_EQ(ready, 0);
  EXPECT_TRUE(ch.Push(Frame(true)));
  EXPECT_TRUE(ch.Push(Frame(false)));
  EXPECT_EQ(ready, 1);  // only on empty -> non-empty
  EXPECT_TRUE(ch.Pop()->keyframe);
  EXPECT_FALSE(ch.Pop()->keyframe);
  EXPECT_EQ(ch.Pop(), nullptr);
  EXPECT_EQ(ch.stats().dropped, 1u);
}

TEST(ViewerChannelTest, OverflowDropsEverythingUntilTheNextKeyframe) {
  ViewerChannel ch(Codec::kH264, {.max_frames = 3, .max_bytes = 1 << 20}, nullptr);
  (void)ch.TakeKeyframeRequest();
  ASSERT_TRUE(ch.Push(Frame(true)));
  ASSERT_TRUE(ch.Push(Frame(false)));
  ASSERT_TRUE(ch.Push(Frame(false)));
  EXPECT_FALSE(ch.Push(Frame(false)));  // full: queue emptied
  auto s = ch.stats();
  EXPECT_EQ(s.queued_frames, 0u);
  EXPECT_EQ(s.overflows, 1u);
  EXPECT_EQ(s.dropped, 4u);
  EXPECT_TRUE(s.waiting_keyframe);
  EXPECT_TRUE(ch.TakeKeyframeRequest());
  EXPECT_FALSE(ch.Push(Frame(false)));
  EXPECT_TRUE(ch.Push(Frame(true)));
  EXPECT_FALSE(ch.stats().waiting_keyframe);
}

TEST(ViewerChannelTest, ByteLimitBoundsMemory) {
  ViewerChannel ch(Codec::kJpeg, {.max_frames = 100, .max_bytes = 1000}, nullptr);
  ASSERT_TRUE(ch.Push(Frame(true, 600)));
  EXPECT_FALSE(ch.Push(Frame(false, 600)));
  EXPECT_EQ(ch.stats().queued_bytes, 0u);
  // A keyframe larger than the limit still goes through an empty queue.
  EXPECT_TRUE(ch.Push(Frame(true, 5000)));
  EXPECT_EQ(ch.stats().queued_bytes, 5000u);
}

TEST(ViewerChannelTest, ConsumerRequestedKeyframe) {
  ViewerChannel ch(Codec::kH264, {}, nullptr);
  (void)ch.TakeKeyframeRequest();
  ASSERT_TRUE(ch.Push(Frame(true)));
  ch.RequestKeyframe();
  EXPECT_EQ(ch.Pop(), nullptr);
  EXPECT_TRUE(ch.TakeKeyframeRequest());
  EXPECT_FALSE(ch.Push(Frame(false)));
}

}  // namespace
}  // namespace vmi::video
