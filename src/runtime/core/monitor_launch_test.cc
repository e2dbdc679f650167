// MonitorLaunch against stand-in monitors (shell scripts speaking the
// protocol on fd 3): the handshake, a refused start, and an abort. The real
// monitor and crun are exercised by the runtime integration tests.
#include "runtime/core/monitor_launch.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include "base/file.h"
#include "base/pidfd.h"
#include "base/temp_dir.h"

namespace vmi::runtime {
namespace {

class MonitorLaunchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("vmi-monitor-launch");
    ASSERT_TRUE(dir.ok());
    dir_.emplace(std::move(*dir));
  }
  // A stand-in monitor running `body` (sh; fd 3 is the sync socket).
  MonitorOptions Script(const std::string& body) {
    std::string path = dir_->path() + "/monitor";
    EXPECT_TRUE(WriteFile(path, "#!/bin/sh\n" + body + "\n").ok());
    chmod(path.c_str(), 0755);
    return MonitorOptions{path, "vmi-test", dir_->path(), dir_->path(), dir_->path() + "/log",
                          std::chrono::seconds(10)};
  }
  // The runtime is only asked to kill the container when a launch aborts.
  OciRuntime runtime_{HostInfo{.runtime_path = "/bin/true"}};
  std::optional<TempDir> dir_;
};

TEST_F(MonitorLaunchTest, HandsOverAMonitorThatStartedItsContainer) {
  auto launch = MonitorLaunch::Create(
      &runtime_, Script("echo created 4321 >&3; read line <&3; [ \"$line\" = start ] && "
                        "echo started 4321 >&3; exec sleep 30"));
  ASSERT_TRUE(launch.ok()) << launch.error().ToString();
  EXPECT_EQ(launch->init_pid(), 4321);
  ASSERT_TRUE(launch->Start().ok());
  LaunchedMonitor m = launch->Release();
  EXPECT_EQ(m.init_pid, 4321);
  AdoptedProcess monitor = AdoptedProcess::Find(m.monitor_pid, m.monitor_start_ticks);
  ASSERT_TRUE(monitor.alive()) << "a released monitor keeps running";
  monitor.Signal(SIGKILL).ok();
  EXPECT_TRUE(monitor.WaitExit(std::chrono::seconds(10)));
  monitor.Reap();
}

TEST_F(MonitorLaunchTest, AnErrorReplyFailsTheStepWithTheMonitorsWords) {
  auto launch = MonitorLaunch::Create(&runtime_, Script("echo error create failed: no rootfs >&3"));
  ASSERT_FALSE(launch.ok());
  EXPECT_NE(launch.error().ToString().find("container: create failed: no rootfs"),
            std::string::npos)
      << launch.error().ToString();
  auto silent = MonitorLaunch::Create(&runtime_, Script("exit 1"));
  ASSERT_FALSE(silent.ok());
  EXPECT_NE(silent.error().ToString().find("end of input"), std::string::npos)
      << silent.error().ToString();
}

TEST_F(MonitorLaunchTest, ALaunchDestroyedBeforeStartEndsItsMonitor) {
  // The stand-in, like the real monitor, gives up when the daemon's end closes.
  auto launch = MonitorLaunch::Create(
      &runtime_, Script("echo created 99 >&3; read line <&3 || exit 1; exec sleep 30"));
  ASSERT_TRUE(launch.ok()) << launch.error().ToString();
  AdoptedProcess monitor = AdoptedProcess::Find(launch->monitor_pid());
  ASSERT_TRUE(monitor.alive());
  { MonitorLaunch aborted = std::move(*launch); }
  EXPECT_TRUE(monitor.WaitExit(std::chrono::milliseconds(0))) << "waited for by the abort";
}

}  // namespace
}  // namespace vmi::runtime
