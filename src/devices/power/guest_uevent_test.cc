// SendUdevMessagesInto against a real "guest": a child in its own user and
// network namespaces (root there = host uid 100000) listening as a libudev
// monitor does. Needs root.
#include "devices/power/guest_uevent.h"

#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>

#include "base/file.h"
#include "base/pidfd.h"
#include "devices/power/udev_message.h"

namespace vmi::devices::power {
namespace {

struct Heard {
  int uid = -1;
  char data[512] = {};
  ssize_t size = 0;
};

// The child: a new user namespace (the parent maps its root), then a new
// network namespace, a monitor socket on the udev group with SO_PASSCRED;
// it reports the first message and its sender's uid on `out`.
[[noreturn]] void Listen(int ready, int go, int out) {
  auto die = [](int code) { _exit(code); };
  if (unshare(CLONE_NEWUSER) != 0) die(10);
  char c = 'u';
  if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 1) die(11);
  if (setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0) die(12);
  if (unshare(CLONE_NEWNET) != 0) die(13);
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
  sockaddr_nl a{};
  a.nl_family = AF_NETLINK;
  a.nl_groups = 2;
  int on = 1;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0)
    die(14);
  c = 'n';
  if (write(ready, &c, 1) != 1) die(15);
  Heard h;
  iovec iov{h.data, sizeof h.data};
  char cbuf[CMSG_SPACE(sizeof(ucred))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = cbuf;
  msg.msg_controllen = sizeof cbuf;
  h.size = recvmsg(fd, &msg, 0);
  if (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm && cm->cmsg_type == SCM_CREDENTIALS) {
    ucred cred;
    std::memcpy(&cred, CMSG_DATA(cm), sizeof cred);
    h.uid = static_cast<int>(cred.uid);
  }
  if (write(out, &h, sizeof h) != static_cast<ssize_t>(sizeof h)) die(16);
  _exit(0);
}

TEST(GuestUevent, ReachesTheGuestsMonitorsFromItsRoot) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  int ready[2], go[2], out[2];
  ASSERT_EQ(pipe2(ready, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(go, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) Listen(ready[1], go[0], out[1]);
  close(ready[1]);
  close(go[0]);
  close(out[1]);
  char c;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  std::string proc = "/proc/" + std::to_string(pid);
  ASSERT_TRUE(WriteFile(proc + "/uid_map", "0 100000 1\n").ok());
  ASSERT_TRUE(WriteFile(proc + "/setgroups", "deny\n").ok());
  ASSERT_TRUE(WriteFile(proc + "/gid_map", "0 100000 1\n").ok());
  ASSERT_EQ(write(go[1], "g", 1), 1);
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'n');

  auto pidfd = OpenPidfd(pid);
  ASSERT_TRUE(pidfd.ok());
  std::string m = UdevMonitorMessage(
      {.action = "change", .devpath = "/class/power_supply/BAT0", .subsystem = "power_supply"});
  auto sent = SendUdevMessagesInto(pidfd->get(), {m});
  EXPECT_TRUE(sent.ok()) << sent.error().ToString();

  Heard h;
  ASSERT_EQ(read(out[0], &h, sizeof h), static_cast<ssize_t>(sizeof h));
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(h.uid, 0) << "the guest's monitors accept only their root's messages";
  EXPECT_EQ(std::string(h.data, h.size), m);
  for (int fd : {ready[0], go[1], out[0]}) close(fd);
}

TEST(GuestUevent, AGoneGuestIsAnError) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  auto pidfd = OpenPidfd(pid);
  ASSERT_TRUE(pidfd.ok());
  int status;
  waitpid(pid, &status, 0);
  auto sent = SendUdevMessagesInto(pidfd->get(), {"x"});
  ASSERT_FALSE(sent.ok());
  EXPECT_NE(sent.error().ToString().find("namespaces"), std::string::npos) << sent.error().ToString();
}

}  // namespace
}  // namespace vmi::devices::power
