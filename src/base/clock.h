// The clocks, read one way everywhere.
//
// Monotonic time (CLOCK_MONOTONIC) is for intervals, deadlines and frame
// timestamps: it never jumps. Wall time (CLOCK_REALTIME) is only for values a
// person or another machine reads (created_at, latency stamps shown in a
// browser). Both are thread-safe and allocation-free (vDSO calls).
#pragma once

#include <chrono>
#include <cstdint>

namespace vmi {

int64_t MonotonicMicros();
int64_t MonotonicMillis();
int64_t WallMicros();
// Seconds since the epoch, as stored in records (created_at, started_at).
int64_t WallSeconds();

// Milliseconds left until `deadline` (steady clock), never negative; for poll().
int MillisUntil(std::chrono::steady_clock::time_point deadline);

}  // namespace vmi
