#include "stream/video/jpeg_encoder.h"

#include <gtest/gtest.h>

#include <cstring>
#include "stream/video/jpeg_codec.h"
#include "stream/video/test_h264_decoder.h"
#include "stream/video/test_pattern_source.h"

namespace vmi::video {
namespace {

std::vector<uint32_t> DecodeJpeg(const std::vector<uint8_t>& data, int* w, int* h) {
  auto d = DecompressJpeg(data.data(), data.size());
  EXPECT_TRUE(d.ok()) << d.error().ToString();
  if (!d.ok()) return {};
  *w = d->width;
  *h = d->height;
  std::vector<uint32_t> out(static_cast<size_t>(*w) * *h);
  std::memcpy(out.data(), d->bgrx.data(), d->bgrx.size());
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

TEST(JpegCodecTest, RefusesBadInputWithoutExiting) {
  // libjpeg's default error handler would exit the process.
  std::vector<uint8_t> junk = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1};
  auto d = DecompressJpeg(junk.data(), junk.size());
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code(), ErrorCode::kInvalidArgument);
  std::vector<uint8_t> none;
  EXPECT_FALSE(DecompressJpeg(none.data(), 0).ok());
  TestPatternSource src(64, 64);
  auto v = src.Capture();
  ASSERT_TRUE(v.ok());
  auto big = CompressJpeg(*v, {0, 0, 64, 64}, 90);
  ASSERT_TRUE(big.ok());
  EXPECT_FALSE(DecompressJpeg(reinterpret_cast<const uint8_t*>(big->data()), big->size(), 100).ok());
  EXPECT_FALSE(CompressJpeg(*v, {0, 0, 65, 64}, 90).ok());
}

TEST(JpegEncoderTest, BoundingBox) {
  EXPECT_EQ(BoundingBox({{10, 10, 5, 5}, {30, 2, 4, 4}}, 100, 100),
            (display::Rect{10, 2, 24, 13}));
  EXPECT_EQ(BoundingBox({}, 100, 100), (display::Rect{}));
  EXPECT_EQ(BoundingBox({{-5, -5, 10, 10}}, 100, 100), (display::Rect{0, 0, 5, 5}));
}

}  // namespace
}  // namespace vmi::video
