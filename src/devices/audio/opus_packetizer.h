// OpusPacketizer: encodes an instance's 10 ms blocks of 48 kHz stereo into
// Opus packets of 10 or 20 ms with timestamps. Owns the libopus encoder.
//
// Threads: one thread at a time (the audio hub's loop thread).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "base/result.h"
#include "devices/audio/opus_packet.h"

struct OpusEncoder;

namespace vmi::audio {

class OpusPacketizer {
 public:
  // frame_ms: 10 or 20. bitrate in bits/s.
  static Result<std::unique_ptr<OpusPacketizer>> Create(int frame_ms = 10, int bitrate = 64000);
  ~OpusPacketizer();

  // Feeds one 10 ms block (2 * 480 floats) starting at timestamp_us; calls
  // emit for each finished packet.
  void Feed(const float* block, int64_t timestamp_us,
            const std::function<void(const OpusPacket&)>& emit);
  // Forgets buffered audio and encoder state (a new listener starts clean).
  void Reset();

 private:
  OpusPacketizer() = default;
  OpusEncoder* enc_ = nullptr;
  int frame_samples_ = 480;
  std::vector<float> pending_;
  int64_t pending_ts_ = 0;
  uint64_t seq_ = 0;
  std::vector<uint8_t> out_;
};

}  // namespace vmi::audio
