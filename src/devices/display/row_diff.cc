#include "devices/display/row_diff.h"

#include <cstdlib>
#include <cstring>
#include <string_view>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define VMI_X86 1
#endif

namespace vmi::display {
namespace {

void RowDiffPortable(const uint8_t* a, const uint8_t* b, size_t row_bytes, size_t seg_bytes,
                     uint8_t* dirty) {
  size_t i = 0;
  for (size_t off = 0; off < row_bytes; off += seg_bytes, ++i) {
    if (dirty[i]) continue;
    size_t n = row_bytes - off < seg_bytes ? row_bytes - off : seg_bytes;
    if (std::memcmp(a + off, b + off, n) != 0) dirty[i] = 1;
  }
}

#ifdef VMI_X86
__attribute__((target("sse2"))) bool DiffersSse2(const uint8_t* a, const uint8_t* b, size_t n) {
  size_t k = 0;
  for (; k + 64 <= n; k += 64) {
    __m128i x0 = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + k)),
                               _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + k)));
    __m128i x1 = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + k + 16)),
                               _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + k + 16)));
    __m128i x2 = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + k + 32)),
                               _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + k + 32)));
    __m128i x3 = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + k + 48)),
                               _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + k + 48)));
    __m128i o = _mm_or_si128(_mm_or_si128(x0, x1), _mm_or_si128(x2, x3));
    if (_mm_movemask_epi8(_mm_cmpeq_epi8(o, _mm_setzero_si128())) != 0xffff) return true;
  }
  return k < n && std::memcmp(a + k, b + k, n - k) != 0;
}

__attribute__((target("sse2"))) void RowDiffSse2(const uint8_t* a, const uint8_t* b,
                                                 size_t row_bytes, size_t seg_bytes,
                                                 uint8_t* dirty) {
  size_t i = 0;
  for (size_t off = 0; off < row_bytes; off += seg_bytes, ++i) {
    if (dirty[i]) continue;
    size_t n = row_bytes - off < seg_bytes ? row_bytes - off : seg_bytes;
    if (DiffersSse2(a + off, b + off, n)) dirty[i] = 1;
  }
}

__attribute__((target("avx2"))) bool DiffersAvx2(const uint8_t* a, const uint8_t* b, size_t n) {
  size_t k = 0;
  for (; k + 128 <= n; k += 128) {
    __m256i x0 = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + k)),
                                  _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + k)));
    __m256i x1 =
        _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + k + 32)),
                         _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + k + 32)));
    __m256i x2 =
        _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + k + 64)),
                         _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + k + 64)));
    __m256i x3 =
        _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + k + 96)),
                         _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + k + 96)));
    __m256i o = _mm256_or_si256(_mm256_or_si256(x0, x1), _mm256_or_si256(x2, x3));
    if (!_mm256_testz_si256(o, o)) return true;
  }
  for (; k + 32 <= n; k += 32) {
    __m256i x = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + k)),
                                 _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + k)));
    if (!_mm256_testz_si256(x, x)) return true;
  }
  return k < n && std::memcmp(a + k, b + k, n - k) != 0;
}

__attribute__((target("avx2"))) void RowDiffAvx2(const uint8_t* a, const uint8_t* b,
                                                 size_t row_bytes, size_t seg_bytes,
                                                 uint8_t* dirty) {
  size_t i = 0;
  for (size_t off = 0; off < row_bytes; off += seg_bytes, ++i) {
    if (dirty[i]) continue;
    size_t n = row_bytes - off < seg_bytes ? row_bytes - off : seg_bytes;
    if (DiffersAvx2(a + off, b + off, n)) dirty[i] = 1;
  }
}
#endif

SimdLevel CpuLevel() {
#ifdef VMI_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) return SimdLevel::kAvx2;
  if (__builtin_cpu_supports("sse2")) return SimdLevel::kSse2;
#endif
  return SimdLevel::kPortable;
}

}  // namespace

SimdLevel DetectSimdLevel() {
  SimdLevel level = CpuLevel();
  if (const char* env = std::getenv("VMI_DISPLAY_SIMD")) {
    std::string_view v(env);
    SimdLevel want = v == "portable" ? SimdLevel::kPortable
                     : v == "sse2"   ? SimdLevel::kSse2
                                     : SimdLevel::kAvx2;
    if (want < level) level = want;
  }
  return level;
}

RowDiffFn GetRowDiff(SimdLevel level) {
  SimdLevel cpu = CpuLevel();
  if (level > cpu) level = cpu;
#ifdef VMI_X86
  if (level == SimdLevel::kAvx2) return RowDiffAvx2;
  if (level == SimdLevel::kSse2) return RowDiffSse2;
#endif
  return RowDiffPortable;
}

const char* SimdLevelName(SimdLevel level) {
  switch (level) {
    case SimdLevel::kAvx2: return "avx2";
    case SimdLevel::kSse2: return "sse2";
    case SimdLevel::kPortable: break;
  }
  return "portable";
}

}  // namespace vmi::display
