// Test helpers: a guest program in its own process with line-oriented
// stdout, a temporary device directory, and waiting with a deadline. The
// deadlines only turn a hang into a failure; no test asserts a timing.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "base/child_process.h"
#include "base/result.h"

namespace vmi::surface::testing {

inline constexpr std::chrono::seconds kDeadline{20};

class GuestProcess {
 public:
  // Runs argv with VMI_DEVDIR=devdir, capturing stdout.
  static Result<GuestProcess> Start(const std::vector<std::string>& argv,
                                    const std::string& devdir);
  // The next line of stdout (without '\n'); an error at EOF or the deadline.
  Result<std::string> ReadLine(std::chrono::milliseconds deadline = kDeadline);
  ChildProcess& process() { return child_; }

 private:
  explicit GuestProcess(ChildProcess c) : child_(std::move(c)) {}
  ChildProcess child_;
  std::string buffered_;
};

// Polls cond every few milliseconds until it holds or the deadline passes.
bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds deadline = kDeadline);
// Waits for fd to become readable.
bool WaitReadable(int fd, std::chrono::milliseconds deadline = kDeadline);

}  // namespace vmi::surface::testing
