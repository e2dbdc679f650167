#include "node/live/devhost_cgroup.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "base/file.h"
#include "base/temp_dir.h"

namespace vmi::node::live {
namespace {

// A v1 layout like Debian's: cpu and cpuacct one hierarchy (cpu,cpuacct
// with two symlinks), memory and pids, with the limit files a kernel
// would show in a new cgroup (here, empty files the code fills in).
class DeviceHostCgroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TempDir::Create("vmi-devhost-cgroup");
    ASSERT_TRUE(t.ok()) << t.error().ToString();
    tmp_ = std::move(*t);
    root_ = tmp_.path();
    ASSERT_TRUE(MakeDirs(root_ + "/cpu,cpuacct").ok());
    ASSERT_EQ(symlink("cpu,cpuacct", (root_ + "/cpu").c_str()), 0);
    ASSERT_EQ(symlink("cpu,cpuacct", (root_ + "/cpuacct").c_str()), 0);
    ASSERT_TRUE(MakeDirs(root_ + "/memory").ok());
    ASSERT_TRUE(MakeDirs(root_ + "/pids").ok());
  }

  // Files a real cgroup directory has from its creation.
  void Precreate(const std::string& id) {
    std::string cpu = Real("/cpu,cpuacct") + "/vmi/" + id + ".devhost";
    ASSERT_TRUE(MakeDirs(cpu).ok());
    for (const char* f : {"cpu.cfs_period_us", "cpu.cfs_quota_us", "cgroup.procs"})
      ASSERT_TRUE(WriteFile(cpu + "/" + f, "").ok());
    std::string mem = Real("/memory") + "/vmi/" + id + ".devhost";
    ASSERT_TRUE(MakeDirs(mem).ok());
    for (const char* f : {"memory.limit_in_bytes", "cgroup.procs"})
      ASSERT_TRUE(WriteFile(mem + "/" + f, "").ok());
    std::string pids = Real("/pids") + "/vmi/" + id + ".devhost";
    ASSERT_TRUE(MakeDirs(pids).ok());
    for (const char* f : {"pids.max", "cgroup.procs"})
      ASSERT_TRUE(WriteFile(pids + "/" + f, "").ok());
  }

  std::string Real(const std::string& sub) {
    char buf[4096];
    return realpath((root_ + sub).c_str(), buf) ? buf : root_ + sub;
  }
  std::string Read(const std::string& path) {
    auto r = ReadFile(path);
    return r.ok() ? *r : "<" + r.error().ToString() + ">";
  }

  TempDir tmp_;
  std::string root_;
};

TEST_F(DeviceHostCgroupTest, LimitsFollowTheInstanceSpec) {
  runtime::InstanceSpec spec;
  spec.cpus = 0.5;
  auto l = DeviceHostLimitsFor(spec);
  EXPECT_DOUBLE_EQ(l.cpus, 0.5);
  EXPECT_EQ(l.memory_bytes, 512LL << 20);
  EXPECT_EQ(l.pids_max, 256);
}

TEST_F(DeviceHostCgroupTest, OneDirectoryPerHierarchy) {
  auto dirs = DeviceHostCgroupDirs(runtime::CgroupMode::kV1, "abc", root_);
  ASSERT_EQ(dirs.size(), 3u) << ::testing::PrintToString(dirs);
  EXPECT_EQ(dirs[0], Real("/cpu,cpuacct") + "/vmi/abc.devhost");
  EXPECT_EQ(dirs[1], Real("/memory") + "/vmi/abc.devhost");
  EXPECT_EQ(dirs[2], Real("/pids") + "/vmi/abc.devhost");
  auto v2 = DeviceHostCgroupDirs(runtime::CgroupMode::kV2, "abc", root_);
  ASSERT_EQ(v2.size(), 1u);
  EXPECT_EQ(v2[0], root_ + "/vmi/abc.devhost");
}

TEST_F(DeviceHostCgroupTest, JoinWritesTheLimitsBeforeThePid) {
  Precreate("abc");
  DeviceHostLimits l{.cpus = 1.5, .memory_bytes = 256LL << 20, .pids_max = 99};
  auto r = JoinDeviceHostCgroup(runtime::CgroupMode::kV1, "abc", 4242, l, root_);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  std::string cpu = Real("/cpu,cpuacct") + "/vmi/abc.devhost";
  EXPECT_EQ(Read(cpu + "/cpu.cfs_period_us"), "100000");
  EXPECT_EQ(Read(cpu + "/cpu.cfs_quota_us"), "150000");
  EXPECT_EQ(Read(cpu + "/cgroup.procs"), "4242");
  EXPECT_EQ(Read(Real("/memory") + "/vmi/abc.devhost/memory.limit_in_bytes"),
            std::to_string(256LL << 20));
  EXPECT_EQ(Read(Real("/pids") + "/vmi/abc.devhost/pids.max"), "99");
}

TEST_F(DeviceHostCgroupTest, V2WritesTheUnifiedFiles) {
  DeviceHostLimits l{.cpus = 0.25, .memory_bytes = 1 << 20, .pids_max = 7};
  auto r = JoinDeviceHostCgroup(runtime::CgroupMode::kV2, "v", 1, l, root_);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  std::string dir = root_ + "/vmi/v.devhost";
  EXPECT_EQ(Read(dir + "/cpu.max"), "25000 100000");
  EXPECT_EQ(Read(dir + "/memory.max"), std::to_string(1 << 20));
  EXPECT_EQ(Read(dir + "/pids.max"), "7");
  EXPECT_EQ(Read(dir + "/cgroup.procs"), "1");
}

}  // namespace
}  // namespace vmi::node::live
