// RateLimiter: a token bucket per key (an instance id), so a flood of calls
// or SMS from one instance is refused without slowing anybody else.
// Single-threaded (the modem service's loop).
#pragma once

#include <chrono>
#include <map>
#include <string>

namespace vmi::telephony {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  // `burst` actions at once, refilled at `per_minute`.
  RateLimiter(double burst, double per_minute) : burst_(burst), per_minute_(per_minute) {}
  // Takes one token for key at `now`; false if its bucket is empty.
  bool Take(const std::string& key, Clock::time_point now = Clock::now());
  void Forget(const std::string& key) { buckets_.erase(key); }

 private:
  struct Bucket {
    double tokens;
    Clock::time_point at;
  };
  double burst_;
  double per_minute_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace vmi::telephony
