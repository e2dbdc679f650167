#include "devices/audio/opus_packetizer.h"

#include <gtest/gtest.h>
#include <opus/opus.h>

#include <cmath>
#include <vector>

namespace vmi::audio {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000'000;  // any Unix-epoch instant

std::vector<OpusPacket> FeedBlocks(OpusPacketizer& p, size_t blocks, size_t frames,
                                   const std::vector<float>& pcm = {}) {
  std::vector<OpusPacket> out;
  std::vector<float> silence(2 * frames, 0.0f);
  for (size_t b = 0; b < blocks; ++b) {
    const float* x = pcm.empty() ? silence.data() : pcm.data() + 2 * frames * b;
    p.Feed(x, frames, kT0 + static_cast<int64_t>(b * frames * 1000000 / 48000),
           [&](const OpusPacket& k) { out.push_back(k); });
  }
  return out;
}

TEST(OpusPacketizer, TheHostBlockIsFiveMillisecondsAndOnePacketEach) {
  EXPECT_EQ(kBlockFrames, 240u);
  EXPECT_EQ(kBlockUs, 5000);
  auto p = OpusPacketizer::Create();
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->frame_frames(), static_cast<int>(kBlockFrames));
  // Each block comes out at once: nothing waits for a second block.
  std::vector<float> block(2 * kBlockFrames, 0.0f);
  int packets = 0;
  (*p)->Feed(block.data(), kT0, [&](const OpusPacket& k) {
    ++packets;
    EXPECT_EQ(k.timestamp_us, kT0);
    EXPECT_EQ(k.duration_us, 5000u);
    EXPECT_FALSE(k.data.empty());
  });
  EXPECT_EQ(packets, 1);
}

TEST(OpusPacketizer, PacketsCarryTheirFirstSamplesTimestampAndConsecutiveSeq) {
  auto p = OpusPacketizer::Create(240);
  ASSERT_TRUE(p.ok());
  auto out = FeedBlocks(**p, 5, 240);
  ASSERT_EQ(out.size(), 5u);
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].seq, i);
    EXPECT_EQ(out[i].timestamp_us, kT0 + static_cast<int64_t>(i) * 5000);
    EXPECT_EQ(out[i].duration_us, 5000u);
  }
}

TEST(OpusPacketizer, LongerFramesGatherSeveralBlocks) {
  auto p = OpusPacketizer::Create(480);
  ASSERT_TRUE(p.ok());
  auto out = FeedBlocks(**p, 5, 240);  // 25 ms: two 10 ms packets, 5 ms pending
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].timestamp_us, kT0);
  EXPECT_EQ(out[1].timestamp_us, kT0 + 10000);
  EXPECT_EQ(out[1].duration_us, 10000u);
  // Reset forgets the pending half frame.
  (*p)->Reset();
  auto again = FeedBlocks(**p, 2, 240);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].timestamp_us, kT0);
  EXPECT_EQ(again[0].seq, 2u);
}

TEST(OpusPacketizer, BlocksOfAnySizeMakeWholeFramesWithExactTimestamps) {
  auto p = OpusPacketizer::Create(240);
  ASSERT_TRUE(p.ok());
  // 1 ms pieces (48 frames): a packet every 5 pieces; then a 12.5 ms piece
  // holding two and a half frames.
  auto out = FeedBlocks(**p, 10, 48);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].timestamp_us, kT0);
  EXPECT_EQ(out[1].timestamp_us, kT0 + 5000);
  std::vector<float> big(2 * 600, 0.0f);
  std::vector<OpusPacket> more;
  (*p)->Feed(big.data(), 600, kT0 + 10000, [&](const OpusPacket& k) { more.push_back(k); });
  ASSERT_EQ(more.size(), 2u);
  EXPECT_EQ(more[0].timestamp_us, kT0 + 10000);
  EXPECT_EQ(more[1].timestamp_us, kT0 + 15000);
  // The remaining 2.5 ms wait for the next piece, whose first half completes
  // the frame stamped where that remainder began.
  (*p)->Feed(big.data(), 120, kT0 + 22500, [&](const OpusPacket& k) { more.push_back(k); });
  ASSERT_EQ(more.size(), 3u);
  EXPECT_EQ(more[2].timestamp_us, kT0 + 20000);
}

TEST(OpusPacketizer, RefusesFramesOpusDoesNotHave) {
  EXPECT_FALSE(OpusPacketizer::Create(100).ok());
  EXPECT_FALSE(OpusPacketizer::Create(0).ok());
  EXPECT_TRUE(OpusPacketizer::Create(120).ok());
  EXPECT_TRUE(OpusPacketizer::Create(960).ok());
}

// The encoder's look-ahead is delay every listener hears: a click fed at
// sample n comes out of a decoder at n + look-ahead. Low-delay mode keeps it
// at 2.5 ms (the AUDIO application's is 6.5 ms).
TEST(OpusPacketizer, AClickComesOutWithinThreeMilliseconds) {
  auto p = OpusPacketizer::Create();
  ASSERT_TRUE(p.ok());
  EXPECT_LE((*p)->lookahead_frames(), 120);
  const size_t blocks = 40, n = blocks * kBlockFrames, click_at = 20 * kBlockFrames + 77;
  std::vector<float> pcm(2 * n, 0.0f);
  for (size_t i = click_at; i < click_at + 480; ++i)
    pcm[2 * i] = pcm[2 * i + 1] = 0.8f * std::sin(2 * M_PI * 1000.0 * (i - click_at) / 48000);
  auto out = FeedBlocks(**p, blocks, kBlockFrames, pcm);
  ASSERT_EQ(out.size(), blocks);
  int err = 0;
  OpusDecoder* dec = opus_decoder_create(48000, 2, &err);
  ASSERT_EQ(err, OPUS_OK);
  std::vector<float> decoded;
  std::vector<float> frame(2 * 960);
  for (auto& k : out) {
    int got = opus_decode_float(dec, k.data.data(), static_cast<opus_int32>(k.data.size()),
                                frame.data(), 960, 0);
    ASSERT_EQ(got, static_cast<int>(kBlockFrames));
    decoded.insert(decoded.end(), frame.begin(), frame.begin() + 2 * got);
  }
  opus_decoder_destroy(dec);
  size_t onset = 0;
  while (onset < n && std::fabs(decoded[2 * onset]) < 0.2f) ++onset;
  ASSERT_LT(onset, n) << "the click never came out";
  // The input crosses 0.2 two samples after the click starts.
  EXPECT_GE(onset, click_at);
  EXPECT_LE(onset, click_at + 144) << "delay " << (onset - click_at) / 48.0 << " ms";
}

}  // namespace
}  // namespace vmi::audio
