#include "base/stop_signals.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <thread>

namespace vmi {
namespace {

TEST(StopSignals, BlockedTakenByTheWaiterAndPipeIgnored) {
  sigset_t before;
  pthread_sigmask(SIG_SETMASK, nullptr, &before);
  struct sigaction pipe_before;
  sigaction(SIGPIPE, nullptr, &pipe_before);

  sigset_t set = BlockStopSignals();
  EXPECT_TRUE(sigismember(&set, SIGINT));
  EXPECT_TRUE(sigismember(&set, SIGTERM));
  EXPECT_FALSE(sigismember(&set, SIGPIPE));
  struct sigaction pipe;
  sigaction(SIGPIPE, nullptr, &pipe);
  EXPECT_EQ(pipe.sa_handler, SIG_IGN);

  // A thread started afterwards has them blocked too.
  bool blocked_in_thread = false;
  std::thread([&] {
    sigset_t mask;
    pthread_sigmask(SIG_SETMASK, nullptr, &mask);
    blocked_in_thread = sigismember(&mask, SIGTERM) && sigismember(&mask, SIGINT);
  }).join();
  EXPECT_TRUE(blocked_in_thread);

  // Blocked, SIGTERM stays pending (the test lives on) until the waiter takes it.
  ASSERT_EQ(pthread_kill(pthread_self(), SIGTERM), 0);
  auto sig = WaitForStopSignal();
  ASSERT_TRUE(sig.ok()) << sig.error().ToString();
  EXPECT_EQ(*sig, SIGTERM);
  ASSERT_EQ(pthread_kill(pthread_self(), SIGINT), 0);
  EXPECT_EQ(*WaitForStopSignal(), SIGINT);

  pthread_sigmask(SIG_SETMASK, &before, nullptr);
  sigaction(SIGPIPE, &pipe_before, nullptr);
}

}  // namespace
}  // namespace vmi
