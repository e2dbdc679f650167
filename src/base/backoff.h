// Restart backoff: exponential, capped, and forgiven once the thing restarted
// has stayed up long enough. Used for guest services (vmi-init) and for
// instances with a restart policy (the daemon). Not thread-safe; one owner.
#pragma once

#include <chrono>

namespace vmi {

struct BackoffSpec {
  std::chrono::milliseconds initial{250};
  std::chrono::milliseconds max{10000};
  // A run at least this long starts the sequence again from `initial`.
  std::chrono::milliseconds reset_after{10000};
};

class Backoff {
 public:
  explicit Backoff(BackoffSpec spec = {}) : spec_(spec) {}

  // Called when the restarted thing exits after running for `uptime`. Returns
  // how long to wait before starting it again: initial, 2x, 4x, ... up to
  // max; back to initial when uptime reached reset_after.
  std::chrono::milliseconds OnExit(std::chrono::milliseconds uptime);
  int consecutive_failures() const { return failures_; }

 private:
  BackoffSpec spec_;
  int failures_ = 0;
};

}  // namespace vmi
