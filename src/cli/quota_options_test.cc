#include "cli/quota_options.h"

#include <gtest/gtest.h>

namespace vmi::cli {
namespace {

TEST(QuotaOptionsTest, MemoryUnits) {
  EXPECT_EQ(*ParseMemoryMiB("2048"), 2048);
  EXPECT_EQ(*ParseMemoryMiB("512M"), 512);
  EXPECT_EQ(*ParseMemoryMiB("16G"), 16384);
  EXPECT_EQ(*ParseMemoryMiB("1t"), 1048576);
  EXPECT_EQ(*ParseMemoryMiB("unlimited"), -1);
  EXPECT_EQ(*ParseMemoryMiB("-1"), -1);
  EXPECT_FALSE(ParseMemoryMiB("").ok());
  EXPECT_FALSE(ParseMemoryMiB("G").ok());
  EXPECT_FALSE(ParseMemoryMiB("1.5G").ok());
  EXPECT_FALSE(ParseMemoryMiB("-2").ok());
  EXPECT_FALSE(ParseMemoryMiB("12K").ok());
  EXPECT_FALSE(ParseMemoryMiB("99999999999999T").ok());
}

TEST(QuotaOptionsTest, CountsAndCpus) {
  EXPECT_EQ(*ParseCount("0", "--instances"), 0);
  EXPECT_EQ(*ParseCount("unlimited", "--instances"), -1);
  auto bad = ParseCount("ten", "--instances");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("--instances"), std::string::npos);
  EXPECT_DOUBLE_EQ(*ParseCpus("2.5"), 2.5);
  EXPECT_DOUBLE_EQ(*ParseCpus("unlimited"), -1);
  EXPECT_FALSE(ParseCpus("-0.5").ok());
  EXPECT_FALSE(ParseCpus("nan").ok());
}

TEST(QuotaOptionsTest, OnlyGivenFieldsAreSent) {
  QuotaOptions q;
  EXPECT_TRUE(q.ToJson()->empty());
  q.instances = "3";
  q.memory = "4G";
  auto j = q.ToJson();
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(*j, (nlohmann::json{{"instances", 3}, {"memory_mb", 4096}}));
  q.cpus = "x";
  EXPECT_FALSE(q.ToJson().ok());
}

}  // namespace
}  // namespace vmi::cli
