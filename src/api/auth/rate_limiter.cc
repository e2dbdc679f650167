#include "api/auth/rate_limiter.h"

namespace vmi::api {

void RateLimiter::Prune(std::deque<Clock::time_point>& q, Clock::time_point now) {
  while (!q.empty() && q.front() <= now - window_) q.pop_front();
}

int64_t RateLimiter::RetryAfter(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = failures_.find(key);
  if (it == failures_.end()) return 0;
  auto now = Clock::now();
  Prune(it->second, now);
  if (static_cast<int>(it->second.size()) < max_) {
    if (it->second.empty()) failures_.erase(it);
    return 0;
  }
  auto wait = std::chrono::duration_cast<std::chrono::seconds>(it->second.front() + window_ - now);
  return std::max<int64_t>(1, wait.count() + 1);
}

void RateLimiter::Failure(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto now = Clock::now();
  // Bound memory under a flood of distinct keys: forget the oldest entries.
  if (failures_.size() > 100000) failures_.clear();
  auto& q = failures_[key];
  Prune(q, now);
  q.push_back(now);
  while (static_cast<int>(q.size()) > max_) q.pop_front();
}

void RateLimiter::Reset(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  failures_.erase(key);
}

}  // namespace vmi::api
