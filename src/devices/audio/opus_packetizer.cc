#include "devices/audio/opus_packetizer.h"

#include <opus/opus.h>

#include <algorithm>

namespace vmi::audio {

Result<std::unique_ptr<OpusPacketizer>> OpusPacketizer::Create(int frame_frames, int bitrate) {
  if (frame_frames != 120 && frame_frames != 240 && frame_frames != 480 && frame_frames != 960)
    return Error(ErrorCode::kInvalidArgument, "Opus frame must be 2.5, 5, 10 or 20 ms");
  std::unique_ptr<OpusPacketizer> p(new OpusPacketizer());
  int err = 0;
  // RESTRICTED_LOWDELAY: CELT only, 2.5 ms of look-ahead instead of the
  // 6.5 ms that AUDIO and VOIP add for SILK and the mode switch; at 64 kbit/s
  // stereo CELT alone codes speech and music well. The look-ahead delays
  // every sample the browser plays (docs/audio.md, "Measured").
  p->enc_ = opus_encoder_create(48000, 2, OPUS_APPLICATION_RESTRICTED_LOWDELAY, &err);
  if (err != OPUS_OK || !p->enc_)
    return Error(ErrorCode::kInternal, std::string("opus_encoder_create: ") + opus_strerror(err));
  opus_encoder_ctl(p->enc_, OPUS_SET_BITRATE(bitrate));
  // Complexity 5 keeps a 48 kHz stereo stream well under 1% of a core here
  // (bench/audio measures it) at little audible cost.
  opus_encoder_ctl(p->enc_, OPUS_SET_COMPLEXITY(5));
  p->frame_frames_ = frame_frames;
  p->out_.resize(4000);
  return p;
}

OpusPacketizer::~OpusPacketizer() {
  if (enc_) opus_encoder_destroy(enc_);
}

void OpusPacketizer::Reset() {
  opus_encoder_ctl(enc_, OPUS_RESET_STATE);
  pending_.clear();
}

int OpusPacketizer::lookahead_frames() const {
  opus_int32 n = 0;
  opus_encoder_ctl(enc_, OPUS_GET_LOOKAHEAD(&n));
  return n;
}

void OpusPacketizer::Feed(const float* pcm, size_t frames, int64_t ts,
                          const std::function<void(const OpusPacket&)>& emit) {
  const size_t frame = static_cast<size_t>(frame_frames_);
  const auto frame_us = static_cast<uint32_t>(frame * 1000000 / 48000);
  size_t used = 0;
  while (used < frames) {
    // Straight from the caller's block when nothing is pending (the usual
    // case: one block is one frame); through pending_ otherwise.
    if (pending_.empty() && frames - used >= frame) {
      const int64_t at = ts + static_cast<int64_t>(used * 1000000 / 48000);
      int n = opus_encode_float(enc_, pcm + 2 * used, frame_frames_, out_.data(),
                                static_cast<opus_int32>(out_.size()));
      used += frame;
      if (n < 0) continue;  // cannot happen with valid sizes; drop rather than stall
      emit(OpusPacket{seq_++, at, frame_us, {out_.begin(), out_.begin() + n}});
      continue;
    }
    if (pending_.empty()) pending_ts_ = ts + static_cast<int64_t>(used * 1000000 / 48000);
    size_t take = std::min(frames - used, frame - pending_.size() / 2);
    pending_.insert(pending_.end(), pcm + 2 * used, pcm + 2 * (used + take));
    used += take;
    if (pending_.size() / 2 < frame) break;
    int n = opus_encode_float(enc_, pending_.data(), frame_frames_, out_.data(),
                              static_cast<opus_int32>(out_.size()));
    pending_.clear();
    if (n < 0) continue;
    emit(OpusPacket{seq_++, pending_ts_, frame_us, {out_.begin(), out_.begin() + n}});
  }
}

}  // namespace vmi::audio
