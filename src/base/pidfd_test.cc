#include "base/pidfd.h"

#include <gtest/gtest.h>
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

}  // namespace
}  // namespace vmi
