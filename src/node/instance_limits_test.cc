#include "node/instance_limits.h"

#include <gtest/gtest.h>

namespace vmi::node {
namespace {

api::QuotaLimits UserQuota() {
  api::QuotaLimits q;
  q.pids_per_instance = 512;
  q.disk_mb_per_instance = 2048;
  q.bandwidth_mbit_per_instance = 50;
  q.open_files_per_instance = 1024;
  return q;
}

TEST(InstanceLimitsTest, QuotaIsTheDefault) {
  runtime::InstanceSpec s;
  ASSERT_TRUE(ApplyResourceLimits(s, {}, UserQuota()).ok());
  EXPECT_EQ(s.pids_max, 512);
  EXPECT_EQ(s.disk_bytes, 2048LL << 20);
  EXPECT_EQ(s.bandwidth_mbit, 50);
  EXPECT_EQ(s.open_files, 1024);
}

TEST(InstanceLimitsTest, RequestsMayAskLess) {
  runtime::InstanceSpec s;
  ResourceAsk ask{100, 512LL << 20, 10, 256};
  ASSERT_TRUE(ApplyResourceLimits(s, ask, UserQuota()).ok());
  EXPECT_EQ(s.pids_max, 100);
  EXPECT_EQ(s.disk_bytes, 512LL << 20);
  EXPECT_EQ(s.bandwidth_mbit, 10);
  EXPECT_EQ(s.open_files, 256);
}

TEST(InstanceLimitsTest, RequestsMayNotAskMore) {
  std::vector<std::pair<ResourceAsk, std::string>> cases = {
      {ResourceAsk{.pids = 4194304}, "pids"},
      {ResourceAsk{.disk_bytes = (2048LL << 20) + 1}, "disk"},
      {ResourceAsk{.bandwidth_mbit = 51}, "bandwidth_mbit"},
      {ResourceAsk{.open_files = 1025}, "open_files"},
  };
  for (const auto& [ask, field] : cases) {
    runtime::InstanceSpec s;
    auto r = ApplyResourceLimits(s, ask, UserQuota());
    ASSERT_FALSE(r.ok()) << field;
    EXPECT_EQ(r.error().code(), ErrorCode::kResourceExhausted);
    EXPECT_NE(r.error().message().find(field), std::string::npos) << r.error().message();
  }
}

TEST(InstanceLimitsTest, UnlimitedQuotaUsesNodeDefaults) {
  runtime::InstanceSpec s;
  ASSERT_TRUE(ApplyResourceLimits(s, {}, api::QuotaLimits{}).ok());
  EXPECT_EQ(s.pids_max, 512);
  EXPECT_EQ(s.disk_bytes, 4096LL << 20);
  EXPECT_EQ(s.bandwidth_mbit, 0);
  EXPECT_EQ(s.open_files, 4096);
  ResourceAsk big{.pids = 20000};
  ASSERT_TRUE(ApplyResourceLimits(s, big, api::QuotaLimits{}).ok());
  EXPECT_EQ(s.pids_max, 20000);
}

}  // namespace
}  // namespace vmi::node
