#include "devices/display/xwd_header.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace vmi::display {
namespace {

// The first 100 bytes of the framebuffer file of a real
// `Xvfb -screen 0 720x1280x24 -fbdir DIR` (Debian 12, xserver 21.1.7).
const uint8_t kXvfb720x1280[100] = {
    0x00, 0x00, 0x00, 0xa0, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
    0x18, 0x00, 0x00, 0x02, 0xd0, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00,
    0x00, 0x00, 0x20, 0x00, 0x00, 0x0b, 0x40, 0x00, 0x00, 0x00, 0x04, 0x00, 0xff, 0x00, 0x00,
    0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0xd0, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
constexpr uint64_t kXvfb720x1280FileSize = 3689632;

std::vector<uint8_t> Header() { return {kXvfb720x1280, kXvfb720x1280 + 100}; }
void Put(std::vector<uint8_t>& h, int field, uint32_t v) {
  h[4 * field] = v >> 24;
  h[4 * field + 1] = v >> 16;
  h[4 * field + 2] = v >> 8;
  h[4 * field + 3] = v;
}
Result<XwdLayout> Parse(const std::vector<uint8_t>& h, uint64_t size = kXvfb720x1280FileSize) {
  return ParseXwdHeader(h.data(), h.size(), size);
}

TEST(XwdHeaderTest, ParsesRealXvfbHeader) {
  auto r = Parse(Header());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->width, 720);
  EXPECT_EQ(r->height, 1280);
  EXPECT_EQ(r->stride, 2880);
  EXPECT_EQ(r->depth, 24);
  EXPECT_EQ(r->pixel_offset, 160u + 256u * 12u);  // 3232
  EXPECT_EQ(r->frame_bytes, kXvfb720x1280FileSize);
}

TEST(XwdHeaderTest, ColormapSizeComesFromNColors) {
  auto h = Header();
  Put(h, 19, 0);  // ncolors
  auto r = Parse(h);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->pixel_offset, 160u);
}

TEST(XwdHeaderTest, PaddedStrideIsKept) {
  auto h = Header();
  Put(h, 12, 2944);  // bytes_per_line
  auto r = Parse(h, 3232 + 2944ull * 1280);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stride, 2944);
}

TEST(XwdHeaderTest, FileTooShortForFrame) {
  auto r = Parse(Header(), kXvfb720x1280FileSize - 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
}

TEST(XwdHeaderTest, ShortHeaderIsNotReadyYet) {
  auto h = Header();
  h.resize(99);
  EXPECT_EQ(Parse(h).error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(ParseXwdHeader(Header().data(), 100, 50).error().code(), ErrorCode::kUnavailable);
}

TEST(XwdHeaderTest, VisualNotWrittenYetIsUnavailable) {
  auto h = Header();
  for (int f : {13, 14, 15, 16}) Put(h, f, 0);
  EXPECT_EQ(Parse(h).error().code(), ErrorCode::kUnavailable);
}

struct Bad {
  int field;
  uint32_t value;
  ErrorCode code;
};

TEST(XwdHeaderTest, RejectsMalformedFields) {
  const Bad cases[] = {
      {0, 99, ErrorCode::kInvalidArgument},             // header_size below 100
      {0, 0xffffffff, ErrorCode::kInvalidArgument},     // header_size huge
      {1, 6, ErrorCode::kInvalidArgument},              // file_version
      {2, 1, ErrorCode::kUnimplemented},                // XYPixmap
      {3, 16, ErrorCode::kUnimplemented},               // depth 16
      {4, 0, ErrorCode::kInvalidArgument},              // width 0
      {4, 100000, ErrorCode::kInvalidArgument},         // width huge
      {5, 0x80000000, ErrorCode::kInvalidArgument},     // height huge
      {6, 3, ErrorCode::kInvalidArgument},              // xoffset
      {7, 1, ErrorCode::kUnimplemented},                // MSBFirst
      {11, 24, ErrorCode::kUnimplemented},              // 24 bits per pixel
      {12, 2876, ErrorCode::kInvalidArgument},          // stride < width*4
      {12, 2882, ErrorCode::kInvalidArgument},          // stride not a multiple of 4
      {12, 0xfffffff0, ErrorCode::kInvalidArgument},    // stride huge
      {13, 3, ErrorCode::kUnimplemented},               // PseudoColor
      {14, 0xff, ErrorCode::kUnimplemented},            // swapped masks
      {19, 0x10000000, ErrorCode::kInvalidArgument},    // ncolors huge
  };
  for (const auto& c : cases) {
    auto h = Header();
    Put(h, c.field, c.value);
    auto r = Parse(h);
    ASSERT_FALSE(r.ok()) << "field " << c.field << " value " << c.value;
    EXPECT_EQ(r.error().code(), c.code) << "field " << c.field << ": " << r.error().ToString();
  }
}

// Regression inputs in the fuzz target's format (8-byte big-endian file size,
// then header bytes): none may crash, none may yield an out-of-file layout.
TEST(XwdHeaderTest, FuzzRegressions) {
  std::vector<std::vector<uint8_t>> inputs;
  inputs.push_back({});
  inputs.push_back(std::vector<uint8_t>(108, 0xff));
  inputs.push_back(std::vector<uint8_t>(108, 0x00));
  {
    // Every field at its maximum except those that make it plausible.
    auto h = Header();
    Put(h, 4, 8192);
    Put(h, 5, 8192);
    Put(h, 12, 8192 * 4);
    Put(h, 19, 65536);
    std::vector<uint8_t> in(8, 0xff);
    in.insert(in.end(), h.begin(), h.end());
    inputs.push_back(in);
  }
  {
    auto h = Header();
    std::vector<uint8_t> in = {0, 0, 0, 0, 0, 0x38, 0x4d, 0xa0};  // 3689888
    in.insert(in.end(), h.begin(), h.end());
    inputs.push_back(in);
  }
  for (const auto& in : inputs) {
    if (in.size() < 8) continue;
    uint64_t file_size = 0;
    for (int i = 0; i < 8; ++i) file_size = (file_size << 8) | in[i];
    auto r = ParseXwdHeader(in.data() + 8, in.size() - 8, file_size);
    if (r.ok()) {
      EXPECT_LE(r->frame_bytes, file_size);
      EXPECT_EQ(r->pixel_offset + size_t(r->stride) * r->height, r->frame_bytes);
    }
  }
}

}  // namespace
}  // namespace vmi::display
