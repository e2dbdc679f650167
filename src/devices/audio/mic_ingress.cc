#include "devices/audio/mic_ingress.h"

#include <opus/opus.h>

#include <algorithm>

namespace vmi::audio {

Result<std::unique_ptr<MicIngress>> MicIngress::Create() {
  std::unique_ptr<MicIngress> m(new MicIngress());
  int err = 0;
  m->dec_ = opus_decoder_create(48000, 2, &err);
  if (err != OPUS_OK || !m->dec_)
    return Error(ErrorCode::kInternal, std::string("opus_decoder_create: ") + opus_strerror(err));
  m->pcm_.resize(2 * 5760);  // 120 ms, the longest Opus packet
  return m;
}

MicIngress::~MicIngress() {
  if (dec_) opus_decoder_destroy(dec_);
}

Result<void> MicIngress::Feed(std::span<const uint8_t> packet) {
  std::lock_guard lock(mu_);
  if (packet.empty() || packet.size() > kMaxPacketBytes) {
    ++malformed_;
    return Error(ErrorCode::kInvalidArgument, "microphone packet size out of range");
  }
  // opus_packet_get_nb_samples validates the TOC and frame count first, so
  // the decoder never sees a packet longer than its output buffer.
  int samples =
      opus_packet_get_nb_samples(packet.data(), static_cast<opus_int32>(packet.size()), 48000);
  if (samples <= 0 || samples > 5760) {
    ++malformed_;
    return Error(ErrorCode::kInvalidArgument, "malformed Opus packet");
  }
  int n = opus_decode_float(dec_, packet.data(), static_cast<opus_int32>(packet.size()),
                            pcm_.data(), 5760, 0);
  if (n < 0) {
    ++malformed_;
    return Error(ErrorCode::kInvalidArgument, std::string("opus_decode: ") + opus_strerror(n));
  }
  fifo_.insert(fifo_.end(), pcm_.begin(), pcm_.begin() + 2 * n);
  const size_t max = 2 * 48 * kMaxBufferedMs;
  if (fifo_.size() > max) {
    size_t drop = fifo_.size() - max;
    fifo_.erase(fifo_.begin(), fifo_.begin() + drop);
    dropped_ += drop / 2;
  }
  return Ok();
}

size_t MicIngress::Pull(float* block, size_t frames) {
  std::lock_guard lock(mu_);
  size_t n = std::min(frames, fifo_.size() / 2);
  std::copy(fifo_.begin(), fifo_.begin() + 2 * n, block);
  fifo_.erase(fifo_.begin(), fifo_.begin() + 2 * n);
  std::fill(block + 2 * n, block + 2 * frames, 0.0f);
  return n;
}

uint64_t MicIngress::malformed() const {
  std::lock_guard lock(mu_);
  return malformed_;
}
uint64_t MicIngress::dropped_frames() const {
  std::lock_guard lock(mu_);
  return dropped_;
}
size_t MicIngress::buffered_frames() const {
  std::lock_guard lock(mu_);
  return fifo_.size() / 2;
}

}  // namespace vmi::audio
