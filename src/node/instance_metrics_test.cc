// Cgroup usage parsing for both hierarchies, on file trees laid out like
// /sys/fs/cgroup on a v2 host and on a hybrid (v1 controllers) host.
#include "node/instance_metrics.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "base/file.h"
#include "base/temp_dir.h"

namespace vmi::node {
namespace {

class CgroupUsageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tmp = TempDir::Create("vmi-cgroup");
    ASSERT_TRUE(tmp.ok()) << tmp.error().ToString();
    tmp_ = std::move(*tmp);
    root_ = tmp_.path();
  }
  void Put(const std::string& rel, const std::string& text) {
    std::string path = root_ + rel;
    ASSERT_TRUE(MakeDirs(path.substr(0, path.rfind('/'))).ok());
    ASSERT_TRUE(WriteFile(path, text).ok());
  }
  TempDir tmp_;
  std::string root_;
};

TEST_F(CgroupUsageTest, UnifiedHierarchy) {
  Put("/vmi/abc/cpu.stat", "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n");
  Put("/vmi/abc/memory.current", "52428800\n");
  auto u = ReadCgroupUsage(root_, "/vmi/abc");
  ASSERT_TRUE(u.has_value());
  EXPECT_DOUBLE_EQ(u->cpu_seconds, 2.5);
  EXPECT_EQ(u->memory_bytes, 52428800);
}

TEST_F(CgroupUsageTest, V1Controllers) {
  Put("/cpuacct/vmi/abc/cpuacct.usage", "1500000000\n");
  Put("/memory/vmi/abc/memory.usage_in_bytes", "1048576\n");
  auto u = ReadCgroupUsage(root_, "/vmi/abc");
  ASSERT_TRUE(u.has_value());
  EXPECT_DOUBLE_EQ(u->cpu_seconds, 1.5);
  EXPECT_EQ(u->memory_bytes, 1048576);
}

TEST_F(CgroupUsageTest, MissingOrGarbledFilesGiveNothing) {
  EXPECT_FALSE(ReadCgroupUsage(root_, "/vmi/none").has_value());
  Put("/cpuacct/vmi/bad/cpuacct.usage", "not a number\n");
  Put("/memory/vmi/bad/memory.usage_in_bytes", "1\n");
  EXPECT_FALSE(ReadCgroupUsage(root_, "/vmi/bad").has_value());
}

}  // namespace
}  // namespace vmi::node
