// UniqueFd: sole owner of a file descriptor. Move-only; closes on destruction.
// There is deliberately no implicit conversion to int: call get() to lend the
// fd and release() to give ownership away.
#pragma once

#include <utility>

namespace vmi {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }

  int release() { return std::exchange(fd_, -1); }
  // Closes the owned fd (never retried: after EINTR the fd is gone on Linux).
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

}  // namespace vmi
