#include "runtime/core/container_cgroups.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/file.h"
#include "base/temp_dir.h"

namespace vmi::runtime {
namespace {

using std::chrono::milliseconds;

// A stand-in for /sys/fs/cgroup: a hierarchy is a directory holding
// cgroup.procs. Plain directories behave as cgroupfs does for rmdir except
// that a regular file keeps them from going (ENOTEMPTY), which stands for a
// cgroup that still has processes.
class ContainerCgroupsTest : public ::testing::Test {
 protected:
  void SetUp() override { root_ = TempDir::MustCreate("vmi-cgroups"); }
  std::string Hierarchy(const std::string& name) {
    const std::string h = root_.path() + "/" + name;
    EXPECT_TRUE(MakeDirs(h).ok());
    EXPECT_TRUE(WriteFile(h + "/cgroup.procs", "").ok());
    return h;
  }
  TempDir root_;
};

TEST_F(ContainerCgroupsTest, FindsTheContainerInEveryHierarchyAndNowhereElse) {
  const std::string pids = Hierarchy("pids"), memory = Hierarchy("memory");
  Hierarchy("freezer");  // mounted, but the container has no cgroup there
  ASSERT_TRUE(MakeDirs(pids + "/vmi/abc").ok());
  ASSERT_TRUE(MakeDirs(memory + "/vmi/abc").ok());
  ASSERT_TRUE(MakeDirs(root_.path() + "/not-a-hierarchy/vmi/abc").ok());
  ASSERT_EQ(symlink("pids", (root_.path() + "/pids,alias").c_str()), 0);
  EXPECT_EQ(ContainerCgroupDirs("vmi/abc", root_.path()),
            (std::vector<std::string>{memory + "/vmi/abc", pids + "/vmi/abc"}));
  EXPECT_TRUE(ContainerCgroupDirs("vmi/other", root_.path()).empty());
}

TEST_F(ContainerCgroupsTest, AUnifiedRootIsItsOwnHierarchy) {
  ASSERT_TRUE(WriteFile(root_.path() + "/cgroup.procs", "").ok());
  ASSERT_TRUE(MakeDirs(root_.path() + "/vmi/abc").ok());
  EXPECT_EQ(ContainerCgroupDirs("vmi/abc", root_.path()),
            (std::vector<std::string>{root_.path() + "/vmi/abc"}));
}

TEST_F(ContainerCgroupsTest, ChildCgroupsGoFirst) {
  const std::string pids = Hierarchy("pids"), cpu = Hierarchy("cpu");
  ASSERT_TRUE(MakeDirs(pids + "/vmi/abc/init.scope/inner").ok());
  ASSERT_TRUE(MakeDirs(cpu + "/vmi/abc").ok());
  ASSERT_TRUE(RemoveContainerCgroups("vmi/abc", milliseconds(0), root_.path()).ok());
  EXPECT_FALSE(PathExists(pids + "/vmi/abc"));
  EXPECT_FALSE(PathExists(cpu + "/vmi/abc"));
  EXPECT_TRUE(IsDirectory(pids + "/vmi"));  // the parent stays
  // Nothing left is success, not an error.
  EXPECT_TRUE(RemoveContainerCgroups("vmi/abc", milliseconds(0), root_.path()).ok());
}

TEST_F(ContainerCgroupsTest, WhatCannotGoIsNamedAndTheRestIsRemoved) {
  const std::string pids = Hierarchy("pids"), cpu = Hierarchy("cpu");
  ASSERT_TRUE(MakeDirs(pids + "/vmi/abc").ok());
  ASSERT_TRUE(WriteFile(pids + "/vmi/abc/member", "1234").ok());
  ASSERT_TRUE(MakeDirs(cpu + "/vmi/abc").ok());
  auto r = RemoveContainerCgroups("vmi/abc", milliseconds(60), root_.path());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(r.error().ToString().find(pids + "/vmi/abc"), std::string::npos)
      << r.error().ToString();
  EXPECT_EQ(r.error().ToString().find(cpu + "/vmi/abc"), std::string::npos);
  EXPECT_TRUE(IsDirectory(pids + "/vmi/abc"));
  EXPECT_FALSE(PathExists(cpu + "/vmi/abc"));
}

// The kernel's own answer: a cgroup with a live member is busy until the
// member leaves, then goes.
TEST(ContainerCgroupsKernel, ABusyCgroupIsReportedThenRemovedOnceItsProcessExits) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to make cgroups";
  const std::string relative = "vmi-cgroups-test-" + std::to_string(getpid()) + "/abc";
  std::string dir;
  for (const char* h : {"/sys/fs/cgroup/pids", "/sys/fs/cgroup/unified", "/sys/fs/cgroup"}) {
    if (!PathExists(std::string(h) + "/cgroup.procs")) continue;
    if (MakeDirs(std::string(h) + "/" + relative).ok()) {
      dir = std::string(h) + "/" + relative;
      break;
    }
  }
  if (dir.empty()) GTEST_SKIP() << "no writable cgroup hierarchy";
  const std::string parent = dir.substr(0, dir.rfind('/'));

  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    pause();
    _exit(0);
  }
  ASSERT_TRUE(WriteFile(dir + "/cgroup.procs", std::to_string(child)).ok());

  auto busy = RemoveContainerCgroups(relative, milliseconds(100));
  ASSERT_FALSE(busy.ok());
  EXPECT_NE(busy.error().ToString().find(dir), std::string::npos) << busy.error().ToString();
  EXPECT_TRUE(IsDirectory(dir));

  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  // A killed process may take a moment to leave its cgroup: the patience
  // covers it.
  EXPECT_TRUE(RemoveContainerCgroups(relative, milliseconds(5000)).ok());
  EXPECT_FALSE(PathExists(dir));
  rmdir(parent.c_str());
}

}  // namespace
}  // namespace vmi::runtime
