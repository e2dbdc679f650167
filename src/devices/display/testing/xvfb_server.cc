#include "devices/display/testing/xvfb_server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "base/secret.h"
#include "base/file.h"
#include "base/unique_fd.h"

namespace vmi::display::testing {

namespace {

// One attempt at display `display`; kAlreadyExists if the number is taken.
Result<ChildProcess> TryStart(const std::string& fbdir, const std::string& screen,
                              int display) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return Error::FromErrno("pipe2");
  UniqueFd rd(p[0]), wr(p[1]);
  SpawnOptions o;
  o.keep_fds = {wr.get()};
  o.parent_death_signal = SIGKILL;
  UniqueFd devnull(open("/dev/null", O_WRONLY | O_CLOEXEC));
  o.stderr_fd = devnull.get();  // "server already active" on a taken number
  auto child = VMI_TRY(ChildProcess::Spawn(
      {"Xvfb", ":" + std::to_string(display), "-displayfd", std::to_string(wr.get()), "-screen",
       "0", screen, "-fbdir", fbdir, "-nolisten", "tcp", "-ac", "-noreset"},
      o));
  wr.reset();
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (line.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Error(ErrorCode::kDeadlineExceeded, "Xvfb did not start");
    pollfd pfd{rd.get(), POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) {
      return Error::FromErrno("poll");
    }
    char buf[32];
    ssize_t n = read(rd.get(), buf, sizeof buf);
    if (n == 0) return Error(ErrorCode::kAlreadyExists, "Xvfb exited (display taken?)");
    if (n > 0) line.append(buf, n);
  }
  return child;
}

}  // namespace

Result<std::unique_ptr<XvfbServer>> XvfbServer::Start(const std::string& fbdir,
                                                      const std::string& screen) {
  // High, random display numbers: low ones (:0, :1) are what other programs
  // on a shared machine use, and a client connecting to ":N" tries the
  // abstract socket first, which another server (in another mount namespace
  // but the same network namespace) may hold. Xvfb refuses a number whose
  // lock file exists, so a collision costs one retry.
  for (int attempt = 0; attempt < 30; ++attempt) {
    const int display = 200 + static_cast<int>(RandomBelow(3000));
    if (PathExists("/tmp/.X11-unix/X" + std::to_string(display)) ||
        PathExists("/tmp/.X" + std::to_string(display) + "-lock")) {
      continue;
    }
    auto r = TryStart(fbdir, screen, display);
    if (r.ok()) {
      return std::unique_ptr<XvfbServer>(new XvfbServer(std::move(*r), fbdir, display));
    }
    if (r.error().code() != ErrorCode::kAlreadyExists) return std::move(r).error();
  }
  return Error(ErrorCode::kUnavailable, "no free X display number found");
}

Result<void> XvfbServer::Stop() {
  VMI_CHECK_OK(child_.Signal(SIGTERM), "stop Xvfb");
  VMI_TRY(child_.WaitOrKill(std::chrono::seconds(10)));
  return Ok();
}

}  // namespace vmi::display::testing
