#include "stream/video/h264_encoder.h"

#include <gtest/gtest.h>

#include "stream/video/test_h264_decoder.h"
#include "stream/video/test_pattern_source.h"

namespace vmi::video {
namespace {

// Checks that the decoded picture matches the pattern inside each quadrant,
// away from edges where 4:2:0 chroma and block artifacts blur colours.
void ExpectMatchesPattern(const DecodedPicture& p, int w, int h) {
  ASSERT_EQ(p.width, w);
  ASSERT_EQ(p.height, h);
  int checked = 0;
  for (int y = 8; y < h; y += 7) {
    for (int x = 8; x < w; x += 5) {
      if (std::abs(x - w / 2) < 16 || std::abs(y - h / 2) < 48 || x > w - 8 || y > h - 8)
        continue;
      uint32_t want = TestPatternSource::BackgroundAt(x, y, w, h);
      ASSERT_LE(ColourDistance(p.At(x, y), want), 24)
          << "at " << x << "," << y << std::hex << " got " << p.At(x, y) << " want " << want;
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

TEST(H264EncoderTest, RoundTripThroughARealDecoder) {
  TestPatternSource src(320, 480);
  auto view = src.Capture();
  ASSERT_TRUE(view.ok());
  auto enc = H264Encoder::Create({.width = 320, .height = 480});
  ASSERT_TRUE(enc.ok()) << enc.error().ToString();
  auto f = (*enc)->Encode(*view, false);
  ASSERT_TRUE(f.ok()) << f.error().ToString();
  EXPECT_TRUE(f->keyframe);
  // Constrained baseline (profile 66 = 0x42) for WebCodecs.
  EXPECT_EQ(f->codec_string.substr(0, 7), "avc1.42");
  EXPECT_EQ(f->codec_string.size(), 11u);
  // Annex-B start code, then an SPS (NAL type 7) first.
  ASSERT_GT(f->data.size(), 5u);
  EXPECT_EQ(f->data[0], 0);
  EXPECT_EQ(f->data[1], 0);
  EXPECT_EQ(f->data[2], 0);
  EXPECT_EQ(f->data[3], 1);
  EXPECT_EQ(f->data[4] & 0x1f, 7);

  auto dec = TestH264Decoder::Create();
  ASSERT_TRUE(dec.ok()) << dec.error().ToString();
  auto pic = (*dec)->Decode(f->data);
  ASSERT_TRUE(pic.ok()) << pic.error().ToString();
  ExpectMatchesPattern(*pic, 320, 480);

  // A moving box: delta frames decode too and show the box.
  src.SetAnimating(true);
  for (int i = 0; i < 5; ++i) {
    auto v = src.Capture();
    ASSERT_TRUE(v.ok());
    auto d = (*enc)->Encode(*v, false);
    ASSERT_TRUE(d.ok());
    EXPECT_FALSE(d->keyframe);
    auto p = (*dec)->Decode(d->data);
    ASSERT_TRUE(p.ok()) << p.error().ToString();
    int box_x = 8 * i;  // first animated capture draws at 0, then +8
    EXPECT_LE(ColourDistance(p->At(box_x + 32, 240), TestPatternSource::kBlack), 24);
  }
}

TEST(H264EncoderTest, ForcedKeyframeRepeatsParameterSets) {
  TestPatternSource src(64, 64);
  auto enc = H264Encoder::Create({.width = 64, .height = 64});
  ASSERT_TRUE(enc.ok());
  src.SetAnimating(false);
  auto v = src.Capture();
  ASSERT_TRUE((*enc)->Encode(*v, false).ok());
  auto delta = (*enc)->Encode(*v, false);
  ASSERT_TRUE(delta.ok());
  EXPECT_FALSE(delta->keyframe);
  auto key = (*enc)->Encode(*v, true);
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(key->keyframe);
  EXPECT_EQ(key->data[4] & 0x1f, 7);
  // A fresh decoder starts from the forced keyframe alone.
  auto dec = TestH264Decoder::Create();
  ASSERT_TRUE(dec.ok());
  EXPECT_TRUE((*dec)->Decode(key->data).ok());
}

// After the first picture only the damage is converted and encoded: a change
// the damage list leaves out does not reach the stream, one it names does.
TEST(H264EncoderTest, OnlyTheDamageIsEncoded) {
  TestPatternSource src(320, 480);
  auto enc = H264Encoder::Create({.width = 320, .height = 480});
  ASSERT_TRUE(enc.ok());
  auto dec = TestH264Decoder::Create();
  ASSERT_TRUE(dec.ok());
  auto first = src.Capture();
  ASSERT_TRUE(first.ok());
  auto k = (*enc)->Encode(*first, false);
  ASSERT_TRUE(k.ok());
  ASSERT_TRUE((*dec)->Decode(k->data).ok());
  // The box is drawn at x 0..63 on the middle line, but the damage given to
  // the encoder names nothing: the decoded picture keeps the background.
  src.SetAnimating(true);
  auto moved = src.Capture();
  ASSERT_TRUE(moved.ok());
  display::FrameView hidden = *moved;
  hidden.damage.clear();
  auto d1 = (*enc)->Encode(hidden, false);
  ASSERT_TRUE(d1.ok());
  EXPECT_FALSE(d1->keyframe);
  auto p1 = (*dec)->Decode(d1->data);
  ASSERT_TRUE(p1.ok());
  EXPECT_GT(ColourDistance(p1->At(32, 240), TestPatternSource::kBlack), 100);
  // Damage naming the box brings it in.
  display::FrameView named = *moved;
  named.damage = {{0, 208, 64, 64}};
  auto d2 = (*enc)->Encode(named, false);
  ASSERT_TRUE(d2.ok());
  auto p2 = (*dec)->Decode(d2->data);
  ASSERT_TRUE(p2.ok());
  EXPECT_LE(ColourDistance(p2->At(32, 240), TestPatternSource::kBlack), 24);
  // An unchanged picture is all skipped macroblocks: a few bytes.
  display::FrameView still = *moved;
  still.damage.clear();
  auto d3 = (*enc)->Encode(still, false);
  ASSERT_TRUE(d3.ok());
  EXPECT_LT(d3->data.size(), 64u);
}

// With intra refresh, frames keep coming without a periodic IDR, and a
// decoder that starts at the first IDR decodes every one of them.
TEST(H264EncoderTest, IntraRefreshInsteadOfPeriodicKeyframes) {
  TestPatternSource src(320, 480);
  auto enc = H264Encoder::Create({.width = 320, .height = 480, .fps = 10, .keyint_seconds = 1});
  ASSERT_TRUE(enc.ok());
  auto dec = TestH264Decoder::Create();
  ASSERT_TRUE(dec.ok());
  src.SetAnimating(true);
  int keyframes = 0;
  for (int i = 0; i < 35; ++i) {
    auto v = src.Capture();
    ASSERT_TRUE(v.ok());
    auto f = (*enc)->Encode(*v, false);
    ASSERT_TRUE(f.ok());
    keyframes += f->keyframe;
    ASSERT_TRUE((*dec)->Decode(f->data).ok()) << "frame " << i;
  }
  EXPECT_EQ(keyframes, 1);
  // A forced keyframe is still a real IDR.
  auto v = src.Capture();
  auto key = (*enc)->Encode(*v, true);
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(key->keyframe);
  auto fresh = TestH264Decoder::Create();
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE((*fresh)->Decode(key->data).ok());
}

TEST(H264EncoderTest, BitrateChangesAndBadSizes) {
  auto enc = H264Encoder::Create({.width = 128, .height = 128, .bitrate_kbps = 2000});
  ASSERT_TRUE(enc.ok());
  EXPECT_TRUE((*enc)->SetBitrate(500).ok());
  EXPECT_EQ((*enc)->bitrate_kbps(), 500);
  EXPECT_FALSE((*enc)->SetBitrate(0).ok());
  EXPECT_FALSE(H264Encoder::Create({.width = 8, .height = 8}).ok());
  // Odd sizes are cropped to even.
  auto odd = H264Encoder::Create({.width = 101, .height = 99});
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ((*odd)->width(), 100);
  EXPECT_EQ((*odd)->height(), 98);
}

TEST(H264EncoderTest, CodecStringFromSps) {
  const uint8_t sps[] = {0x67, 0x42, 0xc0, 0x1f, 0xda};
  EXPECT_EQ(CodecStringFromSps(sps, sizeof(sps)), "avc1.42C01F");
  EXPECT_EQ(CodecStringFromSps(sps, 3), "");
}

}  // namespace
}  // namespace vmi::video
