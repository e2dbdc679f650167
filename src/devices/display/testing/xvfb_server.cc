#include "devices/display/testing/xvfb_server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "base/file.h"
#include "base/unique_fd.h"

namespace vmi::display::testing {

Result<std::unique_ptr<XvfbServer>> XvfbServer::Start(const std::string& fbdir,
                                                      const std::string& screen) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return Error::FromErrno("pipe2");
  UniqueFd rd(p[0]), wr(p[1]);
  SpawnOptions o;
  o.keep_fds = {wr.get()};
  o.parent_death_signal = SIGKILL;
  o.stderr_fd = -1;
  auto child = VMI_TRY(ChildProcess::Spawn(
      {"Xvfb", "-displayfd", std::to_string(wr.get()), "-screen", "0", screen, "-fbdir", fbdir,
       "-nolisten", "tcp", "-ac", "-noreset"},
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
    if (n == 0) return Error(ErrorCode::kUnavailable, "Xvfb exited before it was ready");
    if (n > 0) line.append(buf, n);
  }
  int display = std::atoi(line.c_str());
  return std::unique_ptr<XvfbServer>(new XvfbServer(std::move(child), fbdir, display));
}

Result<void> XvfbServer::Stop() {
  VMI_CHECK_OK(child_.Signal(SIGTERM), "stop Xvfb");
  VMI_TRY(child_.WaitOrKill(std::chrono::seconds(10)));
  return Ok();
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/vmi-display-test-XXXXXX";
  const char* p = mkdtemp(tmpl);
  path_ = p ? p : "";
}

TempDir::~TempDir() {
  if (!path_.empty()) (void)RemoveTree(path_);
}

}  // namespace vmi::display::testing
