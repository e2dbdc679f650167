#include "base/utf8.h"

#include <gtest/gtest.h>

namespace vmi {
namespace {

TEST(Utf8Test, AcceptsEveryLength) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("abc"));
  EXPECT_TRUE(IsValidUtf8("h\xc3\xa9llo \xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x98\x80"));
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
  uint32_t cp = 0;
  EXPECT_EQ(DecodeUtf8At("a\xe4\xbd\xa0", 1, &cp), 3u);
  EXPECT_EQ(cp, 0x4f60u);
  EXPECT_EQ(DecodeUtf8At("\xf0\x9f\x98\x80", 0, &cp), 4u);
  EXPECT_EQ(cp, 0x1f600u);
}

TEST(Utf8Test, RejectsWhatRfc3629Forbids) {
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xe4\xb8"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));      // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\x80"));  // stray continuation
  EXPECT_FALSE(
      IsValidUtf8("a\xc3"
                  "a"));  // bad continuation
  uint32_t cp = 7;
  EXPECT_EQ(DecodeUtf8At("\xc3", 0, &cp), 0u);
  EXPECT_EQ(DecodeUtf8At("a", 1, &cp), 0u);  // past the end
  EXPECT_EQ(cp, 7u);
}

}  // namespace
}  // namespace vmi
