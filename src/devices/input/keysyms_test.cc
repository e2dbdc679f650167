#include "devices/input/keysyms.h"

#include <X11/keysym.h>
#include <gtest/gtest.h>

namespace vmi::input {
namespace {

TEST(KeysymsTest, DecodesUtf8) {
  auto r = DecodeUtf8("a\xc3\xa9\xe2\x9c\x93\xf0\x9f\x98\x80");  // a é ✓ 😀
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (std::vector<uint32_t>{0x61, 0xe9, 0x2713, 0x1f600}));
  EXPECT_TRUE(DecodeUtf8("")->empty());
}

TEST(KeysymsTest, RejectsMalformedUtf8) {
  const char* bad[] = {
      "\x80",                  // stray continuation
      "\xc3",                  // truncated
      "\xe2\x9c",              // truncated
      "\xc0\xaf",              // overlong '/'
      "\xe0\x80\xaf",          // overlong
      "\xed\xa0\x80",          // surrogate
      "\xf4\x90\x80\x80",      // above U+10FFFF
      "\xff",                  // invalid lead
      "ab\xc3(",               // bad continuation
  };
  for (const char* s : bad) {
    auto r = DecodeUtf8(s);
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  }
  // The error names where the broken sequence starts.
  EXPECT_NE(DecodeUtf8("ab\xc3(").error().message().find("sequence at byte 2"), std::string::npos);
}

TEST(KeysymsTest, CodepointToKeysym) {
  EXPECT_EQ(KeysymForCodepoint('a'), uint32_t{XK_a});
  EXPECT_EQ(KeysymForCodepoint(0xe9), uint32_t{XK_eacute});
  EXPECT_EQ(KeysymForCodepoint('\n'), uint32_t{XK_Return});
  EXPECT_EQ(KeysymForCodepoint('\t'), uint32_t{XK_Tab});
  EXPECT_EQ(KeysymForCodepoint(0x2713), 0x01002713u);
  EXPECT_EQ(KeysymForCodepoint(0x1b), 0u);
  EXPECT_EQ(KeysymForCodepoint(0x85), 0u);
}

TEST(KeysymsTest, KnownKeysyms) {
  EXPECT_TRUE(IsKnownKeysym(XK_Return));
  EXPECT_TRUE(IsKnownKeysym(XK_a));
  EXPECT_TRUE(IsKnownKeysym(XK_F12));
  EXPECT_TRUE(IsKnownKeysym(0x01002713));
  EXPECT_FALSE(IsKnownKeysym(0));
  EXPECT_FALSE(IsKnownKeysym(0x12345678));
  EXPECT_FALSE(IsKnownKeysym(0x0000fe00 + 0xff));  // unassigned in the function-key block
}

}  // namespace
}  // namespace vmi::input
