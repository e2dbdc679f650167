#include "base/child_process.h"

#include <signal.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace vmi {
namespace {

bool Alive(pid_t pid) { return kill(pid, 0) == 0; }

TEST(ChildProcessTest, RunCapturesOutputAndStatus) {
  auto r = vmi::Run({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_TRUE(WIFEXITED(r->status));
  EXPECT_EQ(WEXITSTATUS(r->status), 3);
  EXPECT_FALSE(r->ok());
}

TEST(ChildProcessTest, RunFeedsStdin) {
  std::string input(200000, 'x');
  auto r = vmi::Run({"wc", "-c"}, {}, std::chrono::seconds(10), &input);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::stoi(r->out), 200000);
}

TEST(ChildProcessTest, ExecFailureIsAnError) {
  auto r = ChildProcess::Spawn({"/nonexistent/program"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(r.error().ToString().find("exec /nonexistent/program"), std::string::npos);
}

TEST(ChildProcessTest, DestructorKillsAndReaps) {
  pid_t pid;
  {
    auto c = ChildProcess::Spawn({"sleep", "100"});
    ASSERT_TRUE(c.ok());
    pid = c->pid();
    EXPECT_TRUE(Alive(pid));
  }
  // Reaped, so the pid is gone entirely (not a zombie).
  EXPECT_FALSE(Alive(pid));
}

TEST(ChildProcessTest, WaitOrKillKillsAfterTimeout) {
  auto c = ChildProcess::Spawn({"sleep", "100"});
  ASSERT_TRUE(c.ok());
  auto st = c->WaitOrKill(std::chrono::milliseconds(50));
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(WIFSIGNALED(*st));
  EXPECT_EQ(WTERMSIG(*st), SIGKILL);
  EXPECT_EQ(DescribeWaitStatus(*st), "killed by signal 9 (Killed)");
}

TEST(ChildProcessTest, RunTimesOut) {
  auto r = vmi::Run({"sleep", "100"}, {}, std::chrono::milliseconds(100));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kDeadlineExceeded);
}

TEST(ChildProcessTest, RunCheckedReportsStderr) {
  auto r = RunChecked({"sh", "-c", "echo boom >&2; exit 2"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().ToString(), "sh exited with status 2: boom");
}

TEST(ChildProcessTest, TryWait) {
  auto c = ChildProcess::Spawn({"true"});
  ASSERT_TRUE(c.ok());
  auto st = c->WaitOrKill(std::chrono::seconds(5));
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(*st, 0);
  EXPECT_FALSE(c->TryWait().ok());  // already reaped
}

}  // namespace
}  // namespace vmi

namespace vmi {
namespace {

TEST(ChildProcessTest, PassFdsArriveAsThreeAndFour) {
  int a[2], b[2];
  ASSERT_EQ(pipe2(a, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(b, O_CLOEXEC), 0);
  UniqueFd ar(a[0]), aw(a[1]), br(b[0]), bw(b[1]);
  SpawnOptions o;
  o.pass_fds = {bw.get(), aw.get()};  // b -> 3, a -> 4
  auto r = vmi::Run({"sh", "-c", "echo three >&3; echo four >&4"}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok()) << r->err;
  aw.reset();
  bw.reset();
  char buf[32] = {};
  ASSERT_GT(read(br.get(), buf, sizeof buf - 1), 0);
  EXPECT_STREQ(buf, "three\n");
  char buf2[32] = {};
  ASSERT_GT(read(ar.get(), buf2, sizeof buf2 - 1), 0);
  EXPECT_STREQ(buf2, "four\n");
}

TEST(ChildProcessTest, InheritableFdsDoNotLeakIntoChildren) {
  // An fd opened without O_CLOEXEC (as libraries do with their sockets) is
  // not inherited; passed and kept fds are.
  int leak[2], kept[2];
  ASSERT_EQ(pipe(leak), 0);
  ASSERT_EQ(pipe(kept), 0);
  UniqueFd lr(leak[0]), lw(leak[1]), kr(kept[0]), kw(kept[1]);
  SpawnOptions o;
  o.keep_fds = {kw.get()};
  std::string script = "for fd in " + std::to_string(lw.get()) + " " + std::to_string(lr.get()) +
                       " " + std::to_string(kw.get()) +
                       "; do if [ -e /proc/self/fd/$fd ]; then echo open $fd; "
                       "else echo closed $fd; fi; done";
  auto r = vmi::Run({"sh", "-c", script}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->out.find("closed " + std::to_string(lw.get())), std::string::npos) << r->out;
  EXPECT_NE(r->out.find("closed " + std::to_string(lr.get())), std::string::npos) << r->out;
  EXPECT_NE(r->out.find("open " + std::to_string(kw.get())), std::string::npos) << r->out;
}

}  // namespace
}  // namespace vmi
