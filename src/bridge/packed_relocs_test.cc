// Byte-exact tests of the APS2 and RELR decoders.
#include "bridge/packed_relocs.h"

#include <gtest/gtest.h>

#include <vector>

namespace vmi::bridge {
namespace {

std::vector<Elf64_Rela> DecodeAll(const std::vector<uint8_t>& bytes, Result<void>* status) {
  std::vector<Elf64_Rela> out;
  *status = DecodeAndroidPackedRela(bytes.data(), bytes.size(), 1000, [&](const Elf64_Rela& r) -> Result<void> {
    out.push_back(r);
    return Ok();
  });
  return out;
}

TEST(AndroidPackedRelaTest, DecodesGroupedStream) {
  // "APS2", count=3, initial offset=0x1000,
  // group 1: size 2, flags GROUPED_BY_OFFSET_DELTA|GROUPED_BY_INFO (3), delta 8, info 8 (RELATIVE),
  //          then no per-reloc fields; addend reset to 0.
  // group 2: size 1, flags HAS_ADDEND (8): offset delta 0x10, info 0x100000001 (sym 1, type 1), addend -4.
  std::vector<uint8_t> bytes = {'A', 'P', 'S', '2', 3, 0x80, 0x20, 2, 3, 8, 8, 1, 8, 0x10, 0x81, 0x80, 0x80, 0x80, 0x10,
                                0x7c};
  Result<void> st;
  auto r = DecodeAll(bytes, &st);
  ASSERT_TRUE(st.ok()) << st.error().ToString();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].r_offset, 0x1008u);
  EXPECT_EQ(r[1].r_offset, 0x1010u);
  EXPECT_EQ(r[0].r_info, 8u);
  EXPECT_EQ(r[0].r_addend, 0);
  EXPECT_EQ(r[2].r_offset, 0x1020u);
  EXPECT_EQ(r[2].r_info, 0x100000001u);
  EXPECT_EQ(r[2].r_addend, -4);
}

TEST(AndroidPackedRelaTest, RejectsBadMagicTruncationAndHugeCounts) {
  Result<void> st;
  DecodeAll({'A', 'P', 'S', '1', 0}, &st);
  EXPECT_FALSE(st.ok());
  DecodeAll({'A', 'P', 'S', '2', 3, 0x80}, &st);  // truncated SLEB128
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.error().ToString().find("truncated"), std::string::npos);
  DecodeAll({'A', 'P', 'S', '2', 0xff, 0xff, 0xff, 0x7f, 0}, &st);  // count beyond the limit
  EXPECT_FALSE(st.ok());
  DecodeAll({'A', 'P', 'S', '2', 2, 0, 5, 3, 8, 8}, &st);  // group larger than the count
  EXPECT_FALSE(st.ok());
}

TEST(RelrTest, DecodesAddressesAndBitmaps) {
  // 0x1000 -> relocates 0x1000; bitmap 0b1011 (shifted, odd) -> 0x1008, 0x1018;
  // next bitmap bit 0 set -> base 0x1008 + 63*8.
  std::vector<uint64_t> words = {0x1000, (0b101ull << 1) | 1, (1ull << 1) | 1};
  std::vector<uint64_t> got;
  auto st = DecodeRelr(words.data(), words.size(), 100, [&](uint64_t off) -> Result<void> {
    got.push_back(off);
    return Ok();
  });
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(got, (std::vector<uint64_t>{0x1000, 0x1008, 0x1018, 0x1008 + 63 * 8}));
  std::vector<uint64_t> bad = {3};
  EXPECT_FALSE(DecodeRelr(bad.data(), bad.size(), 100, [](uint64_t) { return Ok(); }).ok());
}

}  // namespace
}  // namespace vmi::bridge
