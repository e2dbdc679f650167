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

namespace vmi::video {
namespace {

TEST(ViewerChannelTest, AcksPaceTheConsumer) {
  ViewerChannel ch(Codec::kH264, {.max_in_flight = 2, .ack_timeout_us = 60'000'000}, nullptr);
  // Before the first ack the transport alone paces: everything pops.
  ASSERT_TRUE(ch.Push(Frame(true)));
  EXPECT_NE(ch.Pop(), nullptr);
  EXPECT_TRUE(ch.ready());
  EXPECT_FALSE(ch.Acked());  // presented; nothing waits
  // From now on two may be in flight.
  ASSERT_TRUE(ch.Push(Frame(false)));
  EXPECT_NE(ch.Pop(), nullptr);
  EXPECT_TRUE(ch.ready());
  ASSERT_TRUE(ch.Push(Frame(false)));
  EXPECT_NE(ch.Pop(), nullptr);
  EXPECT_FALSE(ch.ready());
  EXPECT_EQ(ch.stats().in_flight, 2u);
  ASSERT_TRUE(ch.Push(Frame(false)));
  EXPECT_EQ(ch.Pop(), nullptr);  // held back
  EXPECT_TRUE(ch.Acked());       // room, and a frame waits
  EXPECT_NE(ch.Pop(), nullptr);
  EXPECT_EQ(ch.stats().acked, 2u);
  // A keyframe request forgets what is in flight (it will not be presented).
  ch.RequestKeyframe();
  EXPECT_EQ(ch.stats().in_flight, 0u);
  EXPECT_TRUE(ch.ready());
}

TEST(ViewerChannelTest, LostAcksDoNotFreezeTheViewer) {
  ViewerChannel ch(Codec::kH264, {.max_in_flight = 1, .ack_timeout_us = 1}, nullptr);
  ASSERT_TRUE(ch.Push(Frame(true)));
  EXPECT_NE(ch.Pop(), nullptr);
  ch.Acked();
  ASSERT_TRUE(ch.Push(Frame(false)));
  EXPECT_NE(ch.Pop(), nullptr);
  ASSERT_TRUE(ch.Push(Frame(false)));
  // Its ack never comes; after ack_timeout_us the next frame goes anyway.
  while (ch.stats().queued_frames == 1 && ch.Pop() == nullptr) {
  }
  EXPECT_EQ(ch.stats().queued_frames, 0u);
}

}  // namespace
}  // namespace vmi::video
