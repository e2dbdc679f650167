#include "base/clock.h"

#include <time.h>

#include <algorithm>

namespace vmi {

namespace {

int64_t Micros(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return int64_t{ts.tv_sec} * 1000000 + ts.tv_nsec / 1000;
}

}  // namespace

int64_t MonotonicMicros() { return Micros(CLOCK_MONOTONIC); }
int64_t MonotonicMillis() { return MonotonicMicros() / 1000; }
int64_t WallMicros() { return Micros(CLOCK_REALTIME); }
int64_t WallSeconds() { return WallMicros() / 1000000; }

int MillisUntil(std::chrono::steady_clock::time_point deadline) {
  auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, INT32_MAX));
}

}  // namespace vmi
