#include "runtime/core/lxcfs.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <thread>

#include "base/child_process.h"
#include "base/file.h"
#include "base/temp_dir.h"
#include "base/unique_fd.h"

namespace vmi::runtime {
namespace {

class LxcfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0 || access("/usr/bin/lxcfs", X_OK) != 0 || access("/dev/fuse", W_OK) != 0)
      GTEST_SKIP() << "needs root, lxcfs and /dev/fuse";
    dir_ = TempDir::MustCreate("vmi-lxcfs-test");
    mountpoint_ = dir_.path() + "/lxcfs";
  }
  void TearDown() override {
    if (mountpoint_.empty()) return;
    KillServing();
    umount2(mountpoint_.c_str(), MNT_DETACH);
  }
  pid_t ServingPid() {
    auto pid = ReadFile(mountpoint_ + ".pid");
    return pid.ok() ? std::atoi(pid->c_str()) : 0;
  }
  void KillServing() {
    pid_t pid = ServingPid();
    if (pid > 0) kill(pid, SIGKILL);
    for (int i = 0; i < 100 && pid > 0 && kill(pid, 0) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  TempDir dir_;
  std::string mountpoint_;
};

TEST_F(LxcfsTest, CheckTellsWhenInstancesNeedRebindingAndOnlyThen) {
  Lxcfs lxcfs(LxcfsOptions{.mountpoint = mountpoint_});
  EXPECT_TRUE(lxcfs.Ensure());  // started one
  ASSERT_TRUE(lxcfs.serving()) << lxcfs.status();
  bool restarted = true;
  EXPECT_TRUE(lxcfs.Check(&restarted));
  EXPECT_FALSE(restarted);

  // It dies: Check starts another and says so.
  KillServing();
  EXPECT_TRUE(lxcfs.Check(&restarted));
  EXPECT_TRUE(restarted);
  EXPECT_TRUE(lxcfs.Check(&restarted));
  EXPECT_FALSE(restarted);

  // Someone else replaces it between two checks (same mountpoint, new
  // process, a mount that may reuse the old mount's id): Check finds a live
  // lxcfs, but not the one instances were bound to.
  KillServing();
  umount2(mountpoint_.c_str(), MNT_DETACH);
  UniqueFd log(open((mountpoint_ + ".log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  SpawnOptions so;
  so.new_session = true;
  so.stdout_fd = log.get();
  so.stderr_fd = log.get();
  auto other = ChildProcess::Spawn({"/usr/bin/lxcfs", "-f", "-p", mountpoint_ + ".pid", mountpoint_}, so);
  ASSERT_TRUE(other.ok());
  for (int i = 0; i < 200 && access((mountpoint_ + "/proc/uptime").c_str(), R_OK) != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(lxcfs.Check(&restarted));
  EXPECT_TRUE(restarted);
  EXPECT_TRUE(lxcfs.Check(&restarted));
  EXPECT_FALSE(restarted);
  other->Detach();  // TearDown kills it through the pid file
}

}  // namespace
}  // namespace vmi::runtime
