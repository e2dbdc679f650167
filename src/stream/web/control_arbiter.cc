#include "stream/web/control_arbiter.h"

#include <vector>

namespace vmi::web {

uint32_t ControlArbiter::Join(std::function<void()> on_change) {
  uint32_t id;
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
    if (next_id_ == 0) next_id_ = 1;
    viewers_[id] = std::move(on_change);
  }
  NotifyAll();  // viewer counts changed
  return id;
}

void ControlArbiter::Leave(uint32_t viewer) {
  {
    std::lock_guard lock(mu_);
    viewers_.erase(viewer);
    if (controller_ == viewer) controller_ = 0;
  }
  NotifyAll();
}

void ControlArbiter::Request(uint32_t viewer) {
  {
    std::lock_guard lock(mu_);
    if (!viewers_.count(viewer) || controller_ == viewer) return;
    controller_ = viewer;
  }
  NotifyAll();
}

void ControlArbiter::Release(uint32_t viewer) {
  {
    std::lock_guard lock(mu_);
    if (controller_ != viewer) return;
    controller_ = 0;
  }
  NotifyAll();
}

ControlView ControlArbiter::view() const {
  std::lock_guard lock(mu_);
  return {controller_, static_cast<int>(viewers_.size())};
}

Result<void> ControlArbiter::Deliver(
    uint32_t viewer, const std::function<Result<void>(input::InputSink&)>& fn) {
  bool took = false;
  {
    std::lock_guard lock(mu_);
    if (controller_ == 0 && viewers_.count(viewer)) {
      controller_ = viewer;
      took = true;
    }
    if (controller_ != viewer)
      return Error(ErrorCode::kPermissionDenied, "another viewer controls this instance");
  }
  if (took) NotifyAll();
  std::lock_guard lock(sink_mu_);
  return fn(*sink_);
}

void ControlArbiter::NotifyAll() {
  std::vector<std::function<void()>> listeners;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, cb] : viewers_) listeners.push_back(cb);
  }
  for (auto& cb : listeners) {
    if (cb) cb();
  }
}

}  // namespace vmi::web
