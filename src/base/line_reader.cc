#include "base/line_reader.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "base/clock.h"

namespace vmi {

Result<std::string> ReadLine(int fd, const ReadLineOptions& o) {
  const std::string what = o.what;
  const auto deadline = std::chrono::steady_clock::now() + o.timeout;
  std::string line;
  // Poll before each read when there is a deadline, or when a non-blocking
  // fd has nothing yet.
  bool wait = o.timeout.count() >= 0;
  for (;;) {
    if (wait) {
      pollfd p{fd, POLLIN, 0};
      int r = poll(&p, 1, o.timeout.count() >= 0 ? MillisUntil(deadline) : -1);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return Error::FromErrno("poll " + what);
      if (r == 0) return Error(ErrorCode::kDeadlineExceeded, what + ": no answer in time");
    }
    char c;
    ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      wait = true;
      continue;
    }
    if (n < 0) return Error::FromErrno("read " + what);
    if (n == 0) {
      if (line.empty()) return Error(ErrorCode::kUnavailable, what + ": end of input");
      return line;
    }
    if (c == '\n') return line;
    if (line.size() >= o.max_bytes)
      return Error(ErrorCode::kInvalidArgument, what + " is too long");
    line += c;
  }
}

}  // namespace vmi
