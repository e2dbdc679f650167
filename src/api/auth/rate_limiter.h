// RateLimiter: counts failures per key in a sliding window (login attempts
// per client address and per user name). In memory: a restart forgets.
//
// Threads: thread-safe (one mutex).
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <string>

namespace vmi::api {

class RateLimiter {
 public:
  RateLimiter(int max_failures, std::chrono::seconds window)
      : max_(max_failures), window_(window) {}
  // Seconds until the key may try again; 0 when allowed now.
  int64_t RetryAfter(const std::string& key);
  void Failure(const std::string& key);
  void Reset(const std::string& key);

 private:
  using Clock = std::chrono::steady_clock;
  void Prune(std::deque<Clock::time_point>& q, Clock::time_point now);
  int max_;
  std::chrono::seconds window_;
  std::mutex mu_;
  std::map<std::string, std::deque<Clock::time_point>> failures_;  // guarded by mu_
};

}  // namespace vmi::api
