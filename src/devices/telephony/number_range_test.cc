#include "devices/telephony/number_range.h"

#include <gtest/gtest.h>

namespace vmi::telephony {
namespace {

TEST(NumberRange, ParsesAndAllocatesTheLowestFreeNumber) {
  auto r = NumberRange::Parse(NumberRange::kDefault);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r->FirstFree({}), "+15550100000");
  EXPECT_EQ(*r->FirstFree({"+15550100000", "+15550100002"}), "+15550100001");
  EXPECT_TRUE(r->Contains("+15550199999"));
  EXPECT_FALSE(r->Contains("+15550200000"));
  EXPECT_FALSE(r->Contains("+1555010000"));
  auto small = NumberRange::Parse("+4930000-+4930001");
  ASSERT_TRUE(small.ok());
  EXPECT_FALSE(small->FirstFree({"+4930000", "+4930001"}).ok());
  EXPECT_EQ(NumberRange::Parse("+0001-+0009")->FirstFree({})->size(), 5u);  // leading zeros kept
}

TEST(NumberRange, RefusesBadSpecs) {
  for (const char* bad : {"", "+1", "15550100000-15550100009", "+15550100009-+15550100000",
                          "+1555-+15550", "+1555x-+1556x"})
    EXPECT_FALSE(NumberRange::Parse(bad).ok()) << bad;
}

}  // namespace
}  // namespace vmi::telephony
