#include "runtime/core/instance_spec.h"

#include <gtest/gtest.h>

namespace vmi::runtime {
namespace {

TEST(InstanceSpecTest, Names) {
  EXPECT_TRUE(ValidateName("phone-1").ok());
  EXPECT_TRUE(ValidateName("a.b_c").ok());
  for (std::string bad : std::vector<std::string>{"", "-x", "Phone", "a/b", "../x", "a b", "x;rm",
                                                std::string(64, 'a'), "\xc3\xa4"}) {
    auto r = ValidateName(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    }
  }
}

TEST(InstanceSpecTest, Resolution) {
  auto r = ParseResolution("720x1280");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first, 720);
  EXPECT_EQ(r->second, 1280);
  for (std::string bad : {"720", "x1280", "720x", "720*1280", "-720x1280", "99999x1280",
                          "721x1280", "100x100", "720x1280x3"})
    EXPECT_FALSE(ParseResolution(bad).ok()) << bad;
}

TEST(InstanceSpecTest, Sizes) {
  EXPECT_EQ(*ParseSize("512M"), 512LL << 20);
  EXPECT_EQ(*ParseSize("2G"), 2LL << 30);
  EXPECT_EQ(*ParseSize("4096"), 4096);
  for (std::string bad : {"", "M", "12Q", "-5M", "99999999999999999999G", "1.5G"})
    EXPECT_FALSE(ParseSize(bad).ok()) << bad;
}

TEST(InstanceSpecTest, Limits) {
  EXPECT_TRUE(ValidateCpus(0.5, 2).ok());
  EXPECT_FALSE(ValidateCpus(3, 2).ok());
  EXPECT_FALSE(ValidateCpus(0, 2).ok());
  EXPECT_FALSE(ValidateCpus(std::numeric_limits<double>::quiet_NaN(), 2).ok());
  EXPECT_TRUE(ValidateMemory(512LL << 20, 8LL << 30).ok());
  EXPECT_FALSE(ValidateMemory(1 << 20, 8LL << 30).ok());
  EXPECT_FALSE(ValidateMemory(16LL << 30, 8LL << 30).ok());
  EXPECT_FALSE(ValidateDpi(10).ok());
  EXPECT_TRUE(ValidateDpi(320).ok());
}

TEST(InstanceSpecTest, RestartPolicy) {
  EXPECT_EQ(*ParseRestartPolicy("always"), RestartPolicy::kAlways);
  EXPECT_EQ(*ParseRestartPolicy("on-failure"), RestartPolicy::kOnFailure);
  EXPECT_FALSE(ParseRestartPolicy("sometimes").ok());
}

}  // namespace
}  // namespace vmi::runtime
