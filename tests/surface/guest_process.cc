#include "guest_process.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <thread>

#include "base/file.h"

namespace vmi::surface::testing {

Result<GuestProcess> GuestProcess::Start(const std::vector<std::string>& argv,
                                         const std::string& devdir) {
  SpawnOptions o;
  o.env.push_back("VMI_DEVDIR=" + devdir);
  o.capture_stdout = true;
  o.parent_death_signal = SIGKILL;
  auto c = VMI_TRY(ChildProcess::Spawn(argv, o));
  return GuestProcess(std::move(c));
}

Result<std::string> GuestProcess::ReadLine(std::chrono::milliseconds deadline) {
  auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    size_t nl = buffered_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffered_.substr(0, nl);
      buffered_.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return Error(ErrorCode::kDeadlineExceeded, "no line from the guest; got '" + buffered_ + "'");
    pollfd p{child_.stdout_pipe().get(), POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno != EINTR) return Error::FromErrno("poll");
    if (r <= 0) continue;
    char buf[4096];
    ssize_t n = read(child_.stdout_pipe().get(), buf, sizeof buf);
    if (n < 0 && errno != EINTR) return Error::FromErrno("read guest stdout");
    if (n == 0) return Error(ErrorCode::kNotFound, "guest stdout closed; got '" + buffered_ + "'");
    if (n > 0) buffered_.append(buf, static_cast<size_t>(n));
  }
}

bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds deadline) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

bool WaitReadable(int fd, std::chrono::milliseconds deadline) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, static_cast<int>(deadline.count())) == 1;
}

}  // namespace vmi::surface::testing
