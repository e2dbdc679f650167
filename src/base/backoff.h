// Restart backoff: exponential, capped, and forgiven once the thing restarted
// has stayed up long enough. Used for guest services (vmi-init), instances
// with a restart policy (runtime::Instance), device hosts (the daemon) and
// the Kubernetes informer's reconnects. Not thread-safe; one owner.
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
  // A failure that has no uptime (a connection refused, a spawn that did
  // not happen): the next delay of the sequence.
  std::chrono::milliseconds OnFailure() { return OnExit(std::chrono::milliseconds(0)); }
  // A success: the next failure waits `initial` again.
  void Reset() { failures_ = 0; }
  int consecutive_failures() const { return failures_; }

 private:
  BackoffSpec spec_;
  int failures_ = 0;
};

}  // namespace vmi
