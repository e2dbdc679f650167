// Resampler: stereo float sample-rate conversion (speexdsp), or a copy when
// both rates are equal. Owns the speex state; move-only.
//
// Threads: one thread at a time (the audio hub's loop thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "base/result.h"

struct SpeexResamplerState_;

namespace vmi::audio {

class Resampler {
 public:
  static Result<Resampler> Create(uint32_t in_rate, uint32_t out_rate);
  Resampler(Resampler&&) noexcept;
  Resampler& operator=(Resampler&&) noexcept;
  ~Resampler();

  uint32_t in_rate() const { return in_rate_; }
  uint32_t out_rate() const { return out_rate_; }
  // Converts all of in[2 * in_frames] and appends the output to out.
  void Process(const float* in, size_t in_frames, std::vector<float>& out);
  void Reset();

 private:
  Resampler() = default;
  SpeexResamplerState_* st_ = nullptr;  // null when the rates are equal
  uint32_t in_rate_ = 0, out_rate_ = 0;
};

}  // namespace vmi::audio
