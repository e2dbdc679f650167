#include "base/worker_threads.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace vmi {
namespace {

// Waits on the stop eventfd as a worker's poll loop does.
void WaitForStop(int stop) {
  pollfd p{stop, POLLIN, 0};
  while (poll(&p, 1, -1) < 0) {
  }
}

TEST(WorkerThreadsTest, DestructorStopsAndJoinsEveryWorker) {
  std::atomic<int> ended{0};
  {
    WorkerThreads workers;
    for (int i = 0; i < 3; ++i)
      workers.Spawn("vmi-test", [&ended](int stop) {
        WaitForStop(stop);
        ended++;
      });
    EXPECT_EQ(workers.running(), 3);
    EXPECT_EQ(ended.load(), 0);
  }
  EXPECT_EQ(ended.load(), 3) << "a worker outlived its owner";
}

TEST(WorkerThreadsTest, FinishedWorkersStopCounting) {
  WorkerThreads workers;
  std::atomic<bool> release{false};
  workers.Spawn("vmi-short", [&release](int) {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  workers.Spawn("vmi-long", [](int stop) { WaitForStop(stop); });
  EXPECT_EQ(workers.running(), 2);
  release = true;
  for (int i = 0; i < 5000 && workers.running() != 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(workers.running(), 1);
  // The next spawn joins the finished one; the count is unchanged by it.
  workers.Spawn("vmi-long", [](int stop) { WaitForStop(stop); });
  EXPECT_EQ(workers.running(), 2);
}

TEST(WorkerThreadsTest, SendAllDeliversEverythingAndFailsOnAClosedPeer) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  std::string big(300 * 1024, 'x');
  std::string got;
  std::thread reader([&] {
    char buf[65536];
    ssize_t n;
    while (got.size() < big.size() && (n = read(sv[1], buf, sizeof buf)) > 0)
      got.append(buf, static_cast<size_t>(n));
  });
  EXPECT_TRUE(SendAll(sv[0], big));
  reader.join();
  EXPECT_EQ(got, big);
  close(sv[1]);
  EXPECT_FALSE(SendAll(sv[0], "after close"));
  close(sv[0]);
}

}  // namespace
}  // namespace vmi
