#include "devices/audio/pcm_convert.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "devices/audio/resampler.h"

namespace vmi::audio {
namespace {

TEST(PcmConvert, S16MonoToStereoAndBack) {
  const uint8_t in[4] = {0x00, 0x40, 0x00, 0xc0};  // 0.5, -0.5
  float out[4];
  DecodeToStereo(SampleFormat::kS16LE, 1, in, 2, out);
  EXPECT_FLOAT_EQ(out[0], 0.5f);
  EXPECT_FLOAT_EQ(out[1], 0.5f);
  EXPECT_FLOAT_EQ(out[2], -0.5f);
  uint8_t back[4];
  EncodeFromStereo(out, 2, SampleFormat::kS16LE, 1, back);
  EXPECT_EQ(back[1], 0x40);
  EXPECT_EQ(back[3], 0xc0);
}

TEST(PcmConvert, EveryFormatDecodes) {
  const uint8_t u8[2] = {192, 64};
  const uint8_t s24[8] = {0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0xc0, 0x00};  // +-0.5
  const uint8_t s32[8] = {0, 0, 0, 0x40, 0, 0, 0, 0xc0};
  float f[2] = {0.25f, -0.25f};
  float out[2];
  DecodeToStereo(SampleFormat::kU8, 2, u8, 1, out);
  EXPECT_FLOAT_EQ(out[0], 0.5f);
  EXPECT_FLOAT_EQ(out[1], -0.5f);
  DecodeToStereo(SampleFormat::kS24LE, 2, s24, 1, out);
  EXPECT_FLOAT_EQ(out[0], 0.5f);
  EXPECT_FLOAT_EQ(out[1], -0.5f);
  DecodeToStereo(SampleFormat::kS32LE, 2, s32, 1, out);
  EXPECT_FLOAT_EQ(out[0], 0.5f);
  EXPECT_FLOAT_EQ(out[1], -0.5f);
  DecodeToStereo(SampleFormat::kFloatLE, 2, reinterpret_cast<uint8_t*>(f), 1, out);
  EXPECT_FLOAT_EQ(out[0], 0.25f);
}

TEST(PcmConvert, GarbageFloatsAreSanitized) {
  float f[4] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                -1e30f, 0.1f};
  float out[4];
  DecodeToStereo(SampleFormat::kFloatLE, 2, reinterpret_cast<uint8_t*>(f), 2, out);
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_EQ(out[1], 1.0f);
  EXPECT_EQ(out[2], -1.0f);
  EXPECT_FLOAT_EQ(out[3], 0.1f);
}

TEST(PcmConvert, ExtraChannelsGetSilence) {
  float in[2] = {0.5f, -0.25f};
  int16_t out[4];
  EncodeFromStereo(in, 1, SampleFormat::kS16LE, 4, reinterpret_cast<uint8_t*>(out));
  EXPECT_NEAR(out[0], 16384, 1);
  EXPECT_NEAR(out[1], -8192, 1);
  EXPECT_EQ(out[2], 0);
  EXPECT_EQ(out[3], 0);
}

TEST(Resampler, KeepsTheRateRatio) {
  auto r = Resampler::Create(44100, 48000);
  ASSERT_TRUE(r.ok());
  std::vector<float> in(2 * 441, 0.1f), out;
  for (int i = 0; i < 100; ++i) r->Process(in.data(), 441, out);
  // One second in, about one second out (minus the filter's delay).
  EXPECT_NEAR(out.size() / 2.0, 48000, 100);
}

}  // namespace
}  // namespace vmi::audio
