#include "base/line_reader.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "base/unique_fd.h"

namespace vmi {
namespace {

struct Pipe {
  UniqueFd r, w;
  Pipe(int flags = 0) {
    int fds[2];
    EXPECT_EQ(pipe2(fds, O_CLOEXEC | flags), 0);
    r = UniqueFd(fds[0]);
    w = UniqueFd(fds[1]);
  }
  void Put(const std::string& s) {
    ASSERT_EQ(write(w.get(), s.data(), s.size()), (ssize_t)s.size());
  }
};

TEST(LineReader, ReadsOneLineAndLeavesTheRest) {
  Pipe p;
  p.Put("created 42\nstarted 43\n");
  EXPECT_EQ(*ReadLine(p.r.get()), "created 42");
  EXPECT_EQ(*ReadLine(p.r.get(), {.timeout = std::chrono::seconds(1)}), "started 43");
}

TEST(LineReader, EndOfInputAfterBytesReturnsThemBeforeAnyIsUnavailable) {
  Pipe p;
  p.Put("partial");
  p.w.reset();
  EXPECT_EQ(*ReadLine(p.r.get()), "partial");
  auto end = ReadLine(p.r.get(), {.what = "monitor"});
  ASSERT_FALSE(end.ok());
  EXPECT_EQ(end.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(end.error().ToString().find("monitor"), std::string::npos);
}

TEST(LineReader, TimesOutAndRefusesLongLines) {
  Pipe p;
  auto slow = ReadLine(p.r.get(), {.timeout = std::chrono::milliseconds(30)});
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.error().code(), ErrorCode::kDeadlineExceeded);
  p.Put(std::string(100, 'x') + "\n");
  auto longer = ReadLine(p.r.get(), {.max_bytes = 10});
  ASSERT_FALSE(longer.ok());
  EXPECT_EQ(longer.error().code(), ErrorCode::kInvalidArgument);
}

TEST(LineReader, WaitsOnANonBlockingFd) {
  Pipe p(O_NONBLOCK);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    usleep(50000);
    (void)!write(p.w.get(), "late\n", 5);
    _exit(0);
  }
  EXPECT_EQ(*ReadLine(p.r.get()), "late");
}

}  // namespace
}  // namespace vmi
