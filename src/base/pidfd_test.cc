#include "base/pidfd.h"

#include <gtest/gtest.h>
#include <cerrno>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace vmi {
namespace {

TEST(Pidfd, SignalsAndSeesTheExitOfAProcess) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    pause();
    _exit(0);
  }
  auto fd = OpenPidfd(pid);
  ASSERT_TRUE(fd.ok()) << fd.error().ToString();
  EXPECT_FALSE(WaitPidfdExit(fd->get(), std::chrono::milliseconds(50)));
  ASSERT_TRUE(SignalPidfd(fd->get(), SIGKILL).ok());
  EXPECT_TRUE(WaitPidfdExit(fd->get(), std::chrono::seconds(10)));
  siginfo_t info{};
  ASSERT_EQ(waitid(P_PIDFD, fd->get(), &info, WEXITED), 0);
  EXPECT_EQ(info.si_status, SIGKILL);
}

TEST(Pidfd, AMissingProcessIsNotFound) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) _exit(0);
  ASSERT_EQ(waitpid(pid, nullptr, 0), pid);
  auto fd = OpenPidfd(pid);
  ASSERT_FALSE(fd.ok());
  EXPECT_EQ(fd.error().code(), ErrorCode::kNotFound);
}

TEST(AdoptedProcess, HoldsOnlyTheProcessThatStartedAtTheGivenTime) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    pause();
    _exit(0);
  }
  const uint64_t ticks = ProcessStartTicks(pid);
  ASSERT_NE(ticks, 0u);
  EXPECT_FALSE(AdoptedProcess::Find(pid, ticks + 1).alive());  // a later process with this pid
  AdoptedProcess p = AdoptedProcess::Find(pid, ticks);
  ASSERT_TRUE(p.alive());
  EXPECT_EQ(p.pid(), pid);
  EXPECT_FALSE(p.WaitExit(std::chrono::milliseconds(20)));
  ASSERT_TRUE(p.Signal(SIGKILL).ok());
  EXPECT_TRUE(p.WaitExit(std::chrono::seconds(10)));
  p.Reap();
  errno = 0;
  EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), -1);  // reaped already
  EXPECT_EQ(errno, ECHILD);
  EXPECT_FALSE(AdoptedProcess::Find(pid, ticks).alive());
  AdoptedProcess none = AdoptedProcess::Find(0);
  EXPECT_FALSE(none.alive());
  EXPECT_TRUE(none.WaitExit(std::chrono::milliseconds(0)));
  EXPECT_FALSE(none.Signal(SIGTERM).ok());
}

}  // namespace
}  // namespace vmi
