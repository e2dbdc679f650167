#include "stream/video/jpeg_encoder.h"

#include <gtest/gtest.h>
#include <turbojpeg.h>

#include "stream/video/test_h264_decoder.h"
#include "stream/video/test_pattern_source.h"

namespace vmi::video {
namespace {

std::vector<uint32_t> DecodeJpeg(const std::vector<uint8_t>& data, int* w, int* h) {
  tjhandle t = tjInitDecompress();
  int sub, cs;
  EXPECT_EQ(tjDecompressHeader3(t, data.data(), data.size(), w, h, &sub, &cs), 0);
  std::vector<uint32_t> out(static_cast<size_t>(*w) * *h);
  EXPECT_EQ(tjDecompress2(t, data.data(), data.size(), reinterpret_cast<uint8_t*>(out.data()),
                          *w, *w * 4, *h, TJPF_BGRX, 0),
            0);
  tjDestroy(t);
  return out;
}

TEST(JpegEncoderTest, FullFrameAndDamagedRectangle) {
  TestPatternSource src(200, 300);
  auto v = src.Capture();
  ASSERT_TRUE(v.ok());
  auto enc = JpegEncoder::Create(80);
  ASSERT_TRUE(enc.ok());
  auto full = (*enc)->Encode(*v, {0, 0, 200, 300});
  ASSERT_TRUE(full.ok()) << full.error().ToString();
  EXPECT_TRUE(full->keyframe);
  int w, h;
  auto px = DecodeJpeg(full->data, &w, &h);
  ASSERT_EQ(w, 200);
  ASSERT_EQ(h, 300);
  EXPECT_LE(ColourDistance(px[20 * 200 + 20], TestPatternSource::kRed), 16);
  EXPECT_LE(ColourDistance(px[250 * 200 + 180], TestPatternSource::kWhite), 16);

  // A rectangle that sticks out of the screen is clipped.
  auto part = (*enc)->Encode(*v, {150, 10, 100, 20});
  ASSERT_TRUE(part.ok());
  EXPECT_FALSE(part->keyframe);
  EXPECT_EQ(part->rect, (display::Rect{150, 10, 50, 20}));
  px = DecodeJpeg(part->data, &w, &h);
  EXPECT_EQ(w, 50);
  EXPECT_EQ(h, 20);
  EXPECT_LE(ColourDistance(px[10 * 50 + 25], TestPatternSource::kGreen), 16);
  EXPECT_FALSE((*enc)->Encode(*v, {300, 0, 10, 10}).ok());
}

TEST(JpegEncoderTest, BoundingBox) {
  EXPECT_EQ(BoundingBox({{10, 10, 5, 5}, {30, 2, 4, 4}}, 100, 100),
            (display::Rect{10, 2, 24, 13}));
  EXPECT_EQ(BoundingBox({}, 100, 100), (display::Rect{}));
  EXPECT_EQ(BoundingBox({{-5, -5, 10, 10}}, 100, 100), (display::Rect{0, 0, 5, 5}));
}

}  // namespace
}  // namespace vmi::video
