// Byte-exact tests of the PCM ring header and the wrap-around copies.
#include "guest/audio/ring.h"

#include <gtest/gtest.h>

#include <vector>

namespace vmi::audio {
namespace {

TEST(AudioRing, HeaderBytes) {
  RingLayout l{Direction::kCapture, SampleFormat::kS16LE, 2, 44100, 1000};
  EXPECT_EQ(l.frame_bytes(), 4u);
  EXPECT_EQ(l.file_bytes(), 256u + 4000u);
  std::vector<uint8_t> f(l.file_bytes(), 0xee);
  WriteRingHeader(f.data(), l);
  std::vector<uint8_t> want(256, 0);
  std::vector<uint8_t> head = {'V',  'M',  'I',  'R',  0x01, 0x00, 0x00, 0x01,   // magic ver hdr
                               0x01, 0x02, 0x02, 0x00, 0x44, 0xac, 0x00, 0x00,   // dir fmt ch rate
                               0x04, 0x00, 0x00, 0x00, 0xe8, 0x03, 0x00, 0x00};  // frame cap
  std::copy(head.begin(), head.end(), want.begin());
  EXPECT_EQ(std::vector<uint8_t>(f.begin(), f.begin() + 256), want);
  EXPECT_EQ(f[256], 0xee);  // data untouched

  auto back = ReadRingHeader(f);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->rate, 44100u);
  EXPECT_EQ(back->capacity_frames, 1000u);
  EXPECT_EQ(back->direction, Direction::kCapture);
}

TEST(AudioRing, CountersAtTheirOffsets) {
  RingLayout l{Direction::kPlayback, SampleFormat::kU8, 1, 8000, 16};
  alignas(64) uint8_t f[256 + 16] = {};
  WriteRingHeader(f, l);
  RingView v(f, l);
  v.set_write_frames(0x0102030405060708ull);
  v.set_read_frames(0x1112131415161718ull);
  EXPECT_EQ(f[64], 0x08);
  EXPECT_EQ(f[71], 0x01);
  EXPECT_EQ(f[128], 0x18);
  EXPECT_EQ(f[135], 0x11);
  EXPECT_EQ(v.write_frames(), 0x0102030405060708ull);
  EXPECT_EQ(v.read_frames(), 0x1112131415161718ull);
}

TEST(AudioRing, RejectsBadHeaders) {
  RingLayout l{Direction::kPlayback, SampleFormat::kS16LE, 2, 48000, 100};
  std::vector<uint8_t> f(l.file_bytes());
  WriteRingHeader(f.data(), l);
  EXPECT_TRUE(ReadRingHeader(f).ok());
  auto bad = [&](size_t off, uint8_t v) {
    auto g = f;
    g[off] = v;
    return !ReadRingHeader(g).ok();
  };
  EXPECT_TRUE(bad(0, 'X'));    // magic
  EXPECT_TRUE(bad(4, 2));      // version
  EXPECT_TRUE(bad(9, 77));     // format
  EXPECT_TRUE(bad(10, 0));     // channels
  EXPECT_TRUE(bad(16, 3));     // frame size disagrees with format x channels
  EXPECT_TRUE(bad(21, 0xff));  // capacity beyond the file
  EXPECT_FALSE(ReadRingHeader(std::span<const uint8_t>(f.data(), 100)).ok());
}

TEST(AudioRing, CopiesWrapAround) {
  RingLayout l{Direction::kPlayback, SampleFormat::kS16LE, 1, 8000, 4};
  alignas(64) uint8_t f[256 + 8] = {};
  WriteRingHeader(f, l);
  RingView v(f, l);
  uint8_t in[6] = {1, 2, 3, 4, 5, 6};  // 3 frames
  v.CopyIn(3, in, 3);                  // frames 3, 4(=0), 5(=1)
  EXPECT_EQ(f[256 + 6], 1);
  EXPECT_EQ(f[256 + 0], 3);
  EXPECT_EQ(f[256 + 3], 6);
  uint8_t out[6] = {};
  v.CopyOut(3, out, 3);
  EXPECT_EQ(std::vector<uint8_t>(out, out + 6), std::vector<uint8_t>(in, in + 6));
  v.Zero(4, 2);
  EXPECT_EQ(f[256 + 0], 0);
  EXPECT_EQ(f[256 + 3], 0);
  EXPECT_EQ(f[256 + 6], 1);
}

}  // namespace
}  // namespace vmi::audio
