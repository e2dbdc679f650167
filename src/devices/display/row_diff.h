// Vectorised comparison of framebuffer rows against a shadow copy, in tile
// sized segments. The implementation is chosen at run time from what the CPU
// offers (AVX2, SSE2, or a portable memcmp fallback).
#pragma once

#include <cstddef>
#include <cstdint>

namespace vmi::display {

enum class SimdLevel { kPortable = 0, kSse2 = 1, kAvx2 = 2 };

// Compares row `a` with row `b` (each `row_bytes` long) split into segments
// of `seg_bytes` (the last one may be shorter). For every segment i whose
// dirty[i] is 0 and whose bytes differ, sets dirty[i] to 1. Segments already
// marked are skipped, so a row costs nothing once all its tiles are dirty.
using RowDiffFn = void (*)(const uint8_t* a, const uint8_t* b, size_t row_bytes, size_t seg_bytes,
                           uint8_t* dirty);

// The best level this CPU supports, lowered by $VMI_DISPLAY_SIMD
// ("portable", "sse2", "avx2") when set.
SimdLevel DetectSimdLevel();
// The implementation for `level`; a level the CPU lacks falls back to the
// best one it has.
RowDiffFn GetRowDiff(SimdLevel level);
const char* SimdLevelName(SimdLevel level);

}  // namespace vmi::display
