// Restart backoff for session services: exponential, capped, and forgiven
// once a service has stayed up long enough.
#pragma once

#include <chrono>

#include "guest/init/manifest.h"

namespace vmi::guest {

class Backoff {
 public:
  explicit Backoff(BackoffSpec spec) : spec_(spec) {}

  // Called when the service exits after running for `uptime`. Returns how
  // long to wait before starting it again: initial, 2x, 4x, ... up to max;
  // back to initial when uptime reached reset_after.
  std::chrono::milliseconds OnExit(std::chrono::milliseconds uptime);
  int consecutive_failures() const { return failures_; }

 private:
  BackoffSpec spec_;
  int failures_ = 0;
};

}  // namespace vmi::guest
