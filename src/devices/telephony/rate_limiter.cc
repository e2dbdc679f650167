#include "devices/telephony/rate_limiter.h"

#include <algorithm>

namespace vmi::telephony {

bool RateLimiter::Take(const std::string& key, Clock::time_point now) {
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& b = it->second;
  if (!fresh) {
    double minutes = std::chrono::duration<double>(now - b.at).count() / 60.0;
    b.tokens = std::min(burst_, b.tokens + std::max(0.0, minutes) * per_minute_);
    b.at = now;
  }
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

}  // namespace vmi::telephony
