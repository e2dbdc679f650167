#include "runtime/core/container_stop.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <thread>

#include "base/child_process.h"
#include "base/file.h"
#include "base/temp_dir.h"

namespace vmi::runtime {
namespace {

using std::chrono::milliseconds;

// A stand-in monitor (sh) whose child is the stand-in init, and a stand-in
// runtime that records its calls and, for `kill`, signals that init.
class ContainerStopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir::MustCreate("vmi-container-stop");
    const std::string runtime = dir_.path() + "/runtime";
    ASSERT_TRUE(WriteFile(runtime, "#!/bin/sh\necho \"$@\" >> " + dir_.path() +
                                       "/calls\n[ \"$1\" = kill ] || exit 0\n"
                                       "eval sig=\\${$#}\nkill -$sig $(cat " +
                                       dir_.path() + "/init.pid)\n")
                    .ok());
    chmod(runtime.c_str(), 0755);
    runtime_.emplace(HostInfo{.runtime_path = runtime});
  }
  void TearDown() override {
    for (pid_t pid : spawned_) kill(pid, SIGKILL);
  }

  // Starts `sh -c monitor_body`, which must start the init in the
  // background and write its pid to init.pid; returns the monitor's handle
  // and the init's pid.
  std::pair<AdoptedProcess, pid_t> Monitor(const std::string& init, const std::string& after) {
    const std::string pidfile = dir_.path() + "/init.pid";
    auto child = ChildProcess::Spawn(
        {"/bin/sh", "-c", init + " & echo $! > " + pidfile + ".tmp; mv " + pidfile + ".tmp " +
                              pidfile + "; " + after});
    EXPECT_TRUE(child.ok());
    if (!child.ok()) return {};
    const pid_t monitor = child->pid();
    child->Detach();  // reaped by the stop under test
    spawned_.push_back(monitor);
    std::string text;
    for (int i = 0; i < 500 && text.empty(); ++i) {
      auto t = ReadFile(pidfile);
      if (t.ok()) text = *t;
      else std::this_thread::sleep_for(milliseconds(10));
    }
    const pid_t init = static_cast<pid_t>(std::atoi(text.c_str()));
    EXPECT_GT(init, 0);
    spawned_.push_back(init);
    return {AdoptedProcess::Find(monitor, ProcessStartTicks(monitor)), init};
  }
  std::string Calls() {
    auto c = ReadFile(dir_.path() + "/calls");
    return c.ok() ? *c : "";
  }
  static bool Reaped(pid_t pid) {
    errno = 0;
    return waitpid(pid, nullptr, WNOHANG) == -1 && errno == ECHILD;
  }

  TempDir dir_;
  std::optional<OciRuntime> runtime_;
  std::vector<pid_t> spawned_;
};

TEST_F(ContainerStopTest, TheInitIsSignalledDirectlyAndTheStopEndsWithTheMonitor) {
  auto [monitor, init] = Monitor("exec sleep 30", "wait");
  ASSERT_TRUE(monitor.alive());
  EXPECT_TRUE(FindInit(monitor, init).alive());
  const auto t0 = std::chrono::steady_clock::now();
  auto stopped = StopContainer(*runtime_, "vmi-t", monitor, init, {milliseconds(10000)});
  ASSERT_TRUE(stopped.ok()) << stopped.error().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5)) << "no SIGKILL needed";
  EXPECT_EQ(Calls(), "") << "no runtime process on the stop path";
  EXPECT_TRUE(Reaped(monitor.pid()));
}

TEST_F(ContainerStopTest, AnInitThatIgnoresTermIsKilledAfterTheGrace) {
  auto [monitor, init] = Monitor("exec sh -c 'trap \"\" TERM; while :; do sleep 0.05; done'",
                                 "wait");
  const auto t0 = std::chrono::steady_clock::now();
  auto stopped = StopContainer(*runtime_, "vmi-t", monitor, init, {milliseconds(300)});
  ASSERT_TRUE(stopped.ok()) << stopped.error().ToString();
  EXPECT_GE(std::chrono::steady_clock::now() - t0, milliseconds(300));
  EXPECT_EQ(Calls(), "");
  EXPECT_TRUE(Reaped(monitor.pid()));
}

TEST_F(ContainerStopTest, APidThatIsNotTheMonitorsChildIsNeverSignalled) {
  // A recorded init pid that now belongs to an unrelated process (the real
  // init is elsewhere): the stop goes through the runtime, which knows its
  // container, and the unrelated process lives on.
  auto stranger = ChildProcess::Spawn({"sleep", "30"});
  ASSERT_TRUE(stranger.ok());
  auto [monitor, init] = Monitor("exec sleep 30", "wait");
  EXPECT_FALSE(FindInit(monitor, stranger->pid()).alive());
  auto stopped = StopContainer(*runtime_, "vmi-t", monitor, stranger->pid(), {milliseconds(5000)});
  ASSERT_TRUE(stopped.ok()) << stopped.error().ToString();
  EXPECT_EQ(Calls(), "kill vmi-t 15\n");
  EXPECT_EQ(kill(stranger->pid(), 0), 0) << "the unrelated process was signalled";
  EXPECT_TRUE(Reaped(monitor.pid()));
}

TEST_F(ContainerStopTest, AMonitorThatOutlivesItsInitIsADeadlineThenKilled) {
  auto [monitor, init] =
      Monitor("exec sleep 30", "trap '' TERM; while :; do sleep 0.05; done");
  auto stopped =
      StopContainer(*runtime_, "vmi-t", monitor, init, {milliseconds(100), milliseconds(200)});
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.error().code(), ErrorCode::kDeadlineExceeded) << stopped.error().ToString();
  EXPECT_EQ(kill(init, 0), -1) << "the init was killed all the same";
  ASSERT_TRUE(KillMonitor(monitor, std::chrono::seconds(10)).ok());
  EXPECT_TRUE(Reaped(monitor.pid()));
  EXPECT_TRUE(KillMonitor(AdoptedProcess(), milliseconds(0)).ok()) << "gone already";
}

}  // namespace
}  // namespace vmi::runtime
