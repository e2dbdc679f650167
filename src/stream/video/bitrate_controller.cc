#include "stream/video/bitrate_controller.h"

#include <algorithm>

namespace vmi::video {

BitrateController::BitrateController(BitrateLimits limits)
    : limits_(limits),
      kbps_(std::clamp(limits.initial_kbps, limits.min_kbps, limits.max_kbps)) {}

int BitrateController::Update(int64_t now_us, size_t backlog, bool dropped) {
  if (!started_) {
    started_ = true;
    last_change_us_ = now_us;
  }
  int64_t since = now_us - last_change_us_;
  if (dropped || backlog >= limits_.congested_frames) {
    if (since >= limits_.decrease_interval_us) {
      double factor = dropped ? 0.6 : 0.8;
      int next = std::max(limits_.min_kbps, static_cast<int>(kbps_ * factor));
      if (next != kbps_) {
        kbps_ = next;
        last_change_us_ = now_us;
      }
    }
  } else if (backlog <= 1 && since >= limits_.increase_interval_us) {
    kbps_ = std::min(limits_.max_kbps, static_cast<int>(kbps_ * 1.15) + 1);
    last_change_us_ = now_us;
  }
  return kbps_;
}

}  // namespace vmi::video
