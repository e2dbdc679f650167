#include "base/secret.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace vmi {
namespace {

TEST(Secret, HexHasTheLengthAndDigitsAsked) {
  std::string h = RandomHex(16);
  ASSERT_EQ(h.size(), 32u);
  EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(RandomHex(16), h);
}

TEST(Secret, StringsUseOnlyTheAlphabet) {
  std::string s = RandomString(500, "ab");
  EXPECT_EQ(s.size(), 500u);
  EXPECT_EQ(s.find_first_not_of("ab"), std::string::npos);
  std::string p = RandomPassword(200);
  EXPECT_EQ(p.find_first_of("0O1lI"), std::string::npos);
}

TEST(Secret, NoTwoIdsRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) EXPECT_TRUE(seen.insert(RandomHex(8)).second);
}

// Reducing a 32-bit draw with a plain modulo by 3 * 2^30 + 1 would make the
// values below 2^30 twice as likely as the others (half the draws would land
// in the lowest third); rejection sampling keeps it at a third.
TEST(Secret, BelowIsUniformEvenWhereModuloWouldNotBe) {
  const uint32_t bound = 0xC0000001u;
  int low = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    uint32_t v = RandomBelow(bound);
    ASSERT_LT(v, bound);
    if (v < bound / 3) ++low;
  }
  // Uniform: 1/3; with a modulo: 1/2. The tolerance is 9 standard deviations.
  EXPECT_NEAR(low / static_cast<double>(n), 1.0 / 3, 0.03);
}

TEST(Secret, EveryCharacterIsDrawn) {
  std::map<char, int> count;
  for (char c : RandomString(30000, "xyz")) count[c]++;
  ASSERT_EQ(count.size(), 3u);
  for (auto& [c, k] : count) EXPECT_NEAR(k, 10000, 600) << c;
}

}  // namespace
}  // namespace vmi
