// Instance's decisions that need no container: which calls a state allows,
// what each one reports to the listener, and how a run whose monitor died
// ends. Starts and stops of real containers through Instance are covered by
// tests/runtime (every start step's rollback, stop, rm --force, adoption
// after a daemon restart).
#include "runtime/core/instance.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "base/file.h"
#include "base/pidfd.h"
#include "base/temp_dir.h"

namespace vmi::runtime {
namespace {

using S = InstanceState;

// A monitor that has come and gone: its pid and start time, reaped.
std::pair<pid_t, uint64_t> DeadMonitor() {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    char c;
    close(fds[1]);
    (void)!read(fds[0], &c, 1);
    _exit(0);
  }
  close(fds[0]);
  const uint64_t ticks = ProcessStartTicks(pid);
  close(fds[1]);
  waitpid(pid, nullptr, 0);
  return {pid, ticks};
}

class InstanceTest : public ::testing::Test {
 protected:
  Instance Make(InstanceRun run, RestartPolicy restart = RestartPolicy::kNever) {
    InstanceSpec spec;
    spec.id = "abcdef123456";
    spec.name = "phone";
    spec.network = NetworkMode::kNone;  // no host network is touched
    spec.restart = restart;
    return Instance(&host_, dir_.path(), spec, InstanceSlot{}, std::move(run),
                    [this](const InstanceRun& r) { seen_.push_back(r.state); });
  }

  InstanceHost host_;
  TempDir dir_ = TempDir::MustCreate("vmi-instance-test");
  std::vector<S> seen_;
};

TEST_F(InstanceTest, StartIsRefusedUnlessAtRest) {
  for (S s : {S::kStarting, S::kRunning, S::kStopping, S::kFailed}) {
    Instance i = Make({.state = s});
    auto r = i.Start(StartImage{});
    ASSERT_FALSE(r.ok()) << InstanceStateName(s);
    EXPECT_EQ(r.error().code(), ErrorCode::kFailedPrecondition);
    EXPECT_EQ(i.state(), s);
  }
  EXPECT_TRUE(seen_.empty()) << "a refused start changed a state";
  Instance failed = Make({.state = S::kFailed});
  EXPECT_NE(failed.Start(StartImage{}).error().ToString().find("stop it again"),
            std::string::npos);
}

TEST_F(InstanceTest, RestartOnlyFromExited) {
  for (S s : {S::kCreated, S::kStopped, S::kRunning, S::kFailed}) {
    Instance i = Make({.state = s});
    EXPECT_FALSE(i.Restart(StartImage{}).ok()) << InstanceStateName(s);
    EXPECT_EQ(i.run().restart_count, 0);
  }
  EXPECT_TRUE(seen_.empty());
}

TEST_F(InstanceTest, StopOfAnInstanceAtRestChangesNothing) {
  for (S s : {S::kCreated, S::kStopped, S::kExited}) {
    Instance i = Make({.state = s});
    EXPECT_TRUE(i.Stop(std::chrono::milliseconds(10)).ok());
    EXPECT_EQ(i.state(), s);
  }
  EXPECT_TRUE(seen_.empty());
}

TEST_F(InstanceTest, DiscardNeedsAnInstanceAtRest) {
  for (S s : {S::kStarting, S::kRunning, S::kStopping, S::kFailed}) {
    Instance i = Make({.state = s});
    auto r = i.Discard();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kFailedPrecondition);
  }
  EXPECT_TRUE(IsDirectory(dir_.path())) << "a refused discard removed the directory";
}

TEST_F(InstanceTest, MonitorGoneEndsARunningInstanceAsExited) {
  auto [pid, ticks] = DeadMonitor();
  ASSERT_NE(ticks, 0u);
  ASSERT_TRUE(WriteFile(dir_.path() + "/exit", "signaled 9\n").ok());
  Instance i = Make({.state = S::kRunning, .monitor_pid = pid, .monitor_start_ticks = ticks,
                     .init_pid = pid + 1},
                    RestartPolicy::kOnFailure);
  auto delay = i.OnMonitorExit();
  EXPECT_EQ(i.state(), S::kExited);
  EXPECT_EQ(i.run().last_exit, "signaled 9");
  EXPECT_EQ(i.run().monitor_pid, 0);
  EXPECT_EQ(i.run().init_pid, 0);
  ASSERT_TRUE(delay.has_value()) << "on-failure did not restart a killed instance";
  EXPECT_EQ(*delay, std::chrono::milliseconds(500));
  EXPECT_EQ(seen_, std::vector<S>{S::kExited});
  // The exit is reported once: a second notice finds nothing running.
  EXPECT_FALSE(i.OnMonitorExit().has_value());
  EXPECT_EQ(seen_.size(), 1u);
}

TEST_F(InstanceTest, CleanExitIsNotRestartedOnFailure) {
  auto [pid, ticks] = DeadMonitor();
  ASSERT_TRUE(WriteFile(dir_.path() + "/exit", "exited 0\n").ok());
  Instance i = Make({.state = S::kRunning, .monitor_pid = pid, .monitor_start_ticks = ticks},
                    RestartPolicy::kOnFailure);
  EXPECT_FALSE(i.OnMonitorExit().has_value());
  EXPECT_EQ(i.state(), S::kExited);
}

TEST_F(InstanceTest, ExitOfALiveMonitorIsIgnored) {
  // The watcher's notice raced with a start that launched a new monitor
  // (here: this process, alive by definition).
  Instance i = Make({.state = S::kRunning, .monitor_pid = getpid(),
                     .monitor_start_ticks = ProcessStartTicks(getpid())});
  EXPECT_FALSE(i.OnMonitorExit().has_value());
  EXPECT_EQ(i.state(), S::kRunning);
  EXPECT_TRUE(seen_.empty());
}

TEST_F(InstanceTest, RecoverAfterADaemonRestart) {
  {
    Instance alive = Make({.state = S::kRunning, .monitor_pid = getpid(),
                           .monitor_start_ticks = ProcessStartTicks(getpid())});
    EXPECT_EQ(alive.Recover(), Instance::Recovered::kWatch);
    EXPECT_EQ(alive.state(), S::kRunning);
  }
  {
    auto [pid, ticks] = DeadMonitor();
    Instance died = Make({.state = S::kRunning, .monitor_pid = pid, .monitor_start_ticks = ticks},
                         RestartPolicy::kAlways);
    EXPECT_EQ(died.Recover(), Instance::Recovered::kRestart);
    EXPECT_EQ(died.state(), S::kExited);
    EXPECT_EQ(died.run().last_exit, "unknown");  // no exit file was written
  }
  {
    auto [pid, ticks] = DeadMonitor();
    Instance stopping = Make(
        {.state = S::kStopping, .monitor_pid = pid, .monitor_start_ticks = ticks},
        RestartPolicy::kAlways);
    EXPECT_EQ(stopping.Recover(), Instance::Recovered::kNothing);
    EXPECT_EQ(stopping.state(), S::kStopped) << "a stop under way is not restarted";
  }
  for (S s : {S::kCreated, S::kStopped, S::kExited, S::kFailed}) {
    Instance rest = Make({.state = s});
    EXPECT_EQ(rest.Recover(), Instance::Recovered::kNothing);
    EXPECT_EQ(rest.state(), s);
  }
  EXPECT_EQ(seen_, (std::vector<S>{S::kExited, S::kStopped}));
}

TEST_F(InstanceTest, LinkConditionsNeedANetwork) {
  Instance i = Make({.state = S::kCreated});
  auto r = i.SetLinkConditions(LinkConditions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(PathExists(dir_.path() + "/network.json"));
  auto now = i.LinkConditionsNow();
  ASSERT_TRUE(now.ok());
  EXPECT_FALSE(now->Active());
}

}  // namespace
}  // namespace vmi::runtime
