#include "devices/power/guest_uevent.h"

#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/unique_fd.h"

namespace vmi::devices::power {

namespace {

constexpr uint32_t kUdevGroup = 2;

// The child's failure: which step, and its errno.
struct ChildReport {
  int step = 0;
  int err = 0;
};

const char* StepName(int step) {
  switch (step) {
    case 1: return "join the guest's user and network namespaces";
    case 2: return "become the guest's root";
    case 3: return "open a uevent socket in the guest";
    case 4: return "send the udev message in the guest";
  }
  return "send the udev message";
}

}  // namespace

Result<void> SendUdevMessagesInto(int pidfd, const std::vector<std::string>& messages) {
  constexpr size_t kMax = 8;
  if (messages.size() > kMax)
    return Error(ErrorCode::kInvalidArgument, "at most 8 udev messages per call");
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return Error::FromErrno("pipe");
  UniqueFd rd(p[0]), wr(p[1]);
  // Everything the child needs is prepared here: after fork it may only
  // make system calls (other threads' locks, malloc's among them, stay
  // taken in the child).
  sockaddr_nl to{};
  to.nl_family = AF_NETLINK;
  to.nl_groups = kUdevGroup;
  iovec iov[kMax];
  msghdr msg[kMax];
  for (size_t i = 0; i < messages.size(); ++i) {
    iov[i] = iovec{const_cast<char*>(messages[i].data()), messages[i].size()};
    msg[i] = msghdr{};
    msg[i].msg_name = &to;
    msg[i].msg_namelen = sizeof to;
    msg[i].msg_iov = &iov[i];
    msg[i].msg_iovlen = 1;
  }
  const size_t count = messages.size();
  const int report_fd = wr.get();

  pid_t pid = fork();
  if (pid < 0) return Error::FromErrno("fork");
  if (pid == 0) {
    auto fail = [report_fd](int step) {
      ChildReport r{step, errno};
      (void)!write(report_fd, &r, sizeof r);
      _exit(1);
    };
    if (setns(pidfd, CLONE_NEWUSER | CLONE_NEWNET) != 0) fail(1);
    if (setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0) fail(2);
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
    if (fd < 0) fail(3);
    for (size_t i = 0; i < count; ++i)
      if (sendmsg(fd, &msg[i], 0) < 0) fail(4);
    _exit(0);
  }
  wr.reset();
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Error::FromErrno("wait for the uevent sender");
  }
  ChildReport r;
  ssize_t n = read(rd.get(), &r, sizeof r);
  if (n == static_cast<ssize_t>(sizeof r)) {
    errno = r.err;
    return Error::FromErrno(StepName(r.step));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Error(ErrorCode::kInternal, "the uevent sender failed (status " + std::to_string(status) + ")");
  return Ok();
}

}  // namespace vmi::devices::power
