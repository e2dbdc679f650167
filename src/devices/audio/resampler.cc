#include "devices/audio/resampler.h"

#include <speex/speex_resampler.h>

#include <utility>

namespace vmi::audio {

// Quality 4 (speex's default): good enough for speech and music previews at
// a few percent of the cost of 10; see bench/audio for the CPU figure.
constexpr int kQuality = 4;

Result<Resampler> Resampler::Create(uint32_t in_rate, uint32_t out_rate) {
  Resampler r;
  r.in_rate_ = in_rate;
  r.out_rate_ = out_rate;
  if (in_rate != out_rate) {
    int err = 0;
    r.st_ = speex_resampler_init(2, in_rate, out_rate, kQuality, &err);
    if (!r.st_)
      return Error(ErrorCode::kInvalidArgument,
                   std::string("speex_resampler_init: ") + speex_resampler_strerror(err));
    speex_resampler_skip_zeros(r.st_);
  }
  return r;
}

Resampler::Resampler(Resampler&& o) noexcept
    : st_(std::exchange(o.st_, nullptr)), in_rate_(o.in_rate_), out_rate_(o.out_rate_) {}

Resampler& Resampler::operator=(Resampler&& o) noexcept {
  if (this != &o) {
    if (st_) speex_resampler_destroy(st_);
    st_ = std::exchange(o.st_, nullptr);
    in_rate_ = o.in_rate_;
    out_rate_ = o.out_rate_;
  }
  return *this;
}

Resampler::~Resampler() {
  if (st_) speex_resampler_destroy(st_);
}

void Resampler::Process(const float* in, size_t in_frames, std::vector<float>& out) {
  if (!st_) {
    out.insert(out.end(), in, in + 2 * in_frames);
    return;
  }
  while (in_frames > 0) {
    // Room for every output frame this input can make, plus filter slack.
    size_t room = in_frames * out_rate_ / in_rate_ + 16;
    size_t old = out.size();
    out.resize(old + 2 * room);
    spx_uint32_t in_len = static_cast<spx_uint32_t>(in_frames);
    spx_uint32_t out_len = static_cast<spx_uint32_t>(room);
    speex_resampler_process_interleaved_float(st_, in, &in_len, out.data() + old, &out_len);
    out.resize(old + 2 * out_len);
    if (in_len == 0 && out_len == 0) break;  // cannot make progress
    in += 2 * in_len;
    in_frames -= in_len;
  }
}

void Resampler::Reset() {
  if (st_) {
    speex_resampler_reset_mem(st_);
    speex_resampler_skip_zeros(st_);
  }
}

}  // namespace vmi::audio
