#include "devices/display/png.h"

#include <gtest/gtest.h>

#include <vector>

namespace vmi::display {
namespace {

TEST(PngTest, RoundTripsPixels) {
  const int w = 37, h = 21, stride = w * 4 + 12;
  std::vector<uint8_t> px(static_cast<size_t>(stride) * h);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t* p = &px[static_cast<size_t>(stride) * y + 4 * x];
      p[0] = x * 7;        // B
      p[1] = y * 11;       // G
      p[2] = x + y;        // R
      p[3] = 0x5a;         // X: ignored
    }
  }
  FrameView f;
  f.pixels = px.data();
  f.width = w;
  f.height = h;
  f.stride = stride;
  auto png = EncodePng(f);
  ASSERT_TRUE(png.ok()) << png.error().ToString();
  ASSERT_GT(png->size(), 8u);
  EXPECT_EQ(png->substr(1, 3), "PNG");
  auto img = DecodePng(*png);
  ASSERT_TRUE(img.ok()) << img.error().ToString();
  ASSERT_EQ(img->width, w);
  ASSERT_EQ(img->height, h);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const uint8_t* a = &px[static_cast<size_t>(stride) * y + 4 * x];
      const uint8_t* b = reinterpret_cast<const uint8_t*>(&img->bgrx[(size_t(w) * y + x) * 4]);
      ASSERT_EQ(a[0], b[0]);
      ASSERT_EQ(a[1], b[1]);
      ASSERT_EQ(a[2], b[2]);
      ASSERT_EQ(b[3], 0xff);
    }
  }
}

TEST(PngTest, RejectsEmptyFrame) {
  FrameView f;
  EXPECT_EQ(EncodePng(f).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(DecodePng("not a png").ok());
}

}  // namespace
}  // namespace vmi::display
