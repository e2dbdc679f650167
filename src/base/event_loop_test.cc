#include "base/event_loop.h"

#include <unistd.h>

#include <gtest/gtest.h>
#include <thread>

namespace vmi {
namespace {

TEST(EventLoopTest, FdCallbackAndStop) {
  auto loop = EventLoop::Create();
  ASSERT_TRUE(loop.ok());
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  UniqueFd r(p[0]), w(p[1]);
  std::string got;
  ASSERT_TRUE((*loop)->AddFd(r.get(), EPOLLIN, [&](uint32_t) {
    char c;
    if (read(r.get(), &c, 1) == 1) got += c;
    if (got == "ab") (*loop)->Stop();
  }).ok());
  ASSERT_EQ(write(w.get(), "ab", 2), 2);
  ASSERT_TRUE((*loop)->Run().ok());
  EXPECT_EQ(got, "ab");
}

TEST(EventLoopTest, TimersFireInOrderAndCancel) {
  auto loop = std::move(*EventLoop::Create());
  std::vector<int> order;
  auto t3 = loop->AddTimer(std::chrono::milliseconds(30), [&] { order.push_back(3); });
  ASSERT_TRUE(t3.ok());
  ASSERT_TRUE(loop->AddTimer(std::chrono::milliseconds(10), [&] { order.push_back(1); }).ok());
  auto cancelled = loop->AddTimer(std::chrono::milliseconds(20), [&] { order.push_back(2); });
  loop->CancelTimer(*cancelled);
  ASSERT_TRUE(loop->AddTimer(std::chrono::milliseconds(60), [&] { loop->Stop(); }).ok());
  ASSERT_TRUE(loop->Run().ok());
  EXPECT_EQ(order, (std::vector<int>{1, 3}));
}

TEST(EventLoopTest, RepeatingTimerCancelsItself) {
  auto loop = std::move(*EventLoop::Create());
  int n = 0;
  EventLoop::TimerId id = 0;
  id = *loop->AddTimer(std::chrono::milliseconds(5),
                       [&] {
                         if (++n == 3) {
                           loop->CancelTimer(id);
                           loop->Stop();
                         }
                       },
                       true);
  ASSERT_TRUE(loop->Run().ok());
  EXPECT_EQ(n, 3);
}

TEST(EventLoopTest, PostFromAnotherThread) {
  auto loop = std::move(*EventLoop::Create());
  std::thread::id ran_on;
  std::thread t([&] { loop->Post([&] { ran_on = std::this_thread::get_id(); loop->Stop(); }); });
  ASSERT_TRUE(loop->Run().ok());
  t.join();
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

}  // namespace
}  // namespace vmi
