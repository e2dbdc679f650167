#include "devices/audio/mic_ingress.h"

#include <gtest/gtest.h>
#include <opus/opus.h>

#include <random>

namespace vmi::audio {
namespace {

TEST(MicIngress, MalformedPacketsAreDroppedAndCounted) {
  auto m = MicIngress::Create();
  ASSERT_TRUE(m.ok());
  std::mt19937 rng(1);
  std::vector<uint8_t> junk(300);
  int rejected = 0;
  for (int i = 0; i < 2000; ++i) {
    for (auto& b : junk) b = rng();
    junk.resize(1 + rng() % 300);
    rejected += !(*m)->Feed(junk).ok();
  }
  EXPECT_FALSE((*m)->Feed({}).ok());
  std::vector<uint8_t> huge(5000, 0x80);
  EXPECT_FALSE((*m)->Feed(huge).ok());
  EXPECT_GT(rejected, 0);
  EXPECT_EQ((*m)->malformed(), static_cast<uint64_t>(rejected) + 2);
  // Whatever was accepted stays within the bound.
  EXPECT_LE((*m)->buffered_frames(), 48u * MicIngress::kMaxBufferedMs);
}

TEST(MicIngress, FloodIsBounded) {
  auto m = MicIngress::Create();
  ASSERT_TRUE(m.ok());
  int err;
  OpusEncoder* enc = opus_encoder_create(48000, 2, OPUS_APPLICATION_AUDIO, &err);
  std::vector<float> pcm(2 * 960, 0.25f);
  std::vector<uint8_t> out(1500);
  int len = opus_encode_float(enc, pcm.data(), 960, out.data(), out.size());
  opus_encoder_destroy(enc);
  ASSERT_GT(len, 0);
  for (int i = 0; i < 500; ++i) ASSERT_TRUE((*m)->Feed({out.data(), size_t(len)}).ok());
  EXPECT_EQ((*m)->buffered_frames(), 48u * MicIngress::kMaxBufferedMs);
  EXPECT_GT((*m)->dropped_frames(), 0u);
  std::vector<float> block(2 * 480);
  EXPECT_EQ((*m)->Pull(block.data(), 480), 480u);
}

}  // namespace
}  // namespace vmi::audio
