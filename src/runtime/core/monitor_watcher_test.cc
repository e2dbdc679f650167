#include "runtime/core/monitor_watcher.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <future>

#include "base/child_process.h"

namespace vmi::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A detached `sleep 30`, as a monitor from the watcher's point of view.
pid_t Sleeper() {
  auto child = ChildProcess::Spawn({"sleep", "30"});
  EXPECT_TRUE(child.ok());
  if (!child.ok()) return 0;
  child->Detach();
  return child->pid();
}

TEST(MonitorWatcher, CallsBackOnItsThreadWhenAMonitorExitsAndReapsIt) {
  auto watcher = MonitorWatcher::Create();
  ASSERT_TRUE(watcher.ok());
  (*watcher)->Start();
  const pid_t pid = Sleeper();
  std::promise<std::thread::id> exited;
  (*watcher)->Watch(pid, ProcessStartTicks(pid),
                    [&] { exited.set_value(std::this_thread::get_id()); });
  for (int i = 0; i < 200 && (*watcher)->watched() == 0; ++i)
    std::this_thread::sleep_for(milliseconds(5));
  ASSERT_EQ((*watcher)->watched(), 1u);
  auto done = exited.get_future();
  EXPECT_EQ(done.wait_for(milliseconds(100)), std::future_status::timeout) << "still running";
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  ASSERT_EQ(done.wait_for(seconds(10)), std::future_status::ready);
  EXPECT_NE(done.get(), std::this_thread::get_id());
  errno = 0;
  EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD) << "reaped by the watcher";
  EXPECT_EQ((*watcher)->watched(), 0u);
}

TEST(MonitorWatcher, AMonitorGoneOrReplacedIsReportedAtOnce) {
  auto watcher = MonitorWatcher::Create();
  ASSERT_TRUE(watcher.ok());
  (*watcher)->Start();
  const pid_t pid = Sleeper();
  std::promise<void> replaced, gone;
  // The pid is alive, but not the process that started at that time.
  (*watcher)->Watch(pid, ProcessStartTicks(pid) + 1, [&] { replaced.set_value(); });
  (*watcher)->Watch(0, 0, [&] { gone.set_value(); });
  EXPECT_EQ(replaced.get_future().wait_for(seconds(10)), std::future_status::ready);
  EXPECT_EQ(gone.get_future().wait_for(seconds(10)), std::future_status::ready);
  EXPECT_EQ(kill(pid, 0), 0) << "the other process is left alone";
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

TEST(MonitorWatcher, TimersRunOnTheWatchersThread) {
  auto watcher = MonitorWatcher::Create();
  ASSERT_TRUE(watcher.ok());
  std::promise<std::thread::id> once;
  std::atomic<int> ticks{0};
  std::promise<void> three;
  // Added before Start(): they run once the loop does.
  (*watcher)->After(milliseconds(20), [&] { once.set_value(std::this_thread::get_id()); });
  (*watcher)->Every(milliseconds(10), [&] {
    if (++ticks == 3) three.set_value();
  });
  (*watcher)->Start();
  auto f = once.get_future();
  ASSERT_EQ(f.wait_for(seconds(10)), std::future_status::ready);
  EXPECT_NE(f.get(), std::this_thread::get_id());
  EXPECT_EQ(three.get_future().wait_for(seconds(10)), std::future_status::ready);
}

TEST(MonitorWatcher, DestroyingItLeavesTheMonitorsRunning) {
  const pid_t pid = Sleeper();
  std::atomic<bool> called{false};
  {
    auto watcher = MonitorWatcher::Create();
    ASSERT_TRUE(watcher.ok());
    (*watcher)->Start();
    (*watcher)->Watch(pid, ProcessStartTicks(pid), [&] { called = true; });
    for (int i = 0; i < 200 && (*watcher)->watched() == 0; ++i)
      std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_EQ(kill(pid, 0), 0);
  EXPECT_FALSE(called);
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

}  // namespace
}  // namespace vmi::runtime
