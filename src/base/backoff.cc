#include "base/backoff.h"

#include <algorithm>

namespace vmi {

std::chrono::milliseconds Backoff::OnExit(std::chrono::milliseconds uptime) {
  if (uptime >= spec_.reset_after) failures_ = 0;
  auto delay = spec_.initial;
  for (int i = 0; i < failures_ && delay < spec_.max; ++i) delay *= 2;
  ++failures_;
  return std::min(delay, spec_.max);
}

}  // namespace vmi
