// OpusPacketizer: encodes an instance's blocks of 48 kHz stereo into Opus
// packets with timestamps. Owns the libopus encoder.
//
// Blocks of any length go in; a packet comes out whenever a frame's worth
// of samples has gathered, stamped with the instant of its first sample.
// The default frame is one hub block (host_format.h), so each block is
// encoded as soon as it is fed and nothing waits in the packetizer.
//
// Threads: one thread at a time (the audio hub's loop thread).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "base/result.h"
#include "devices/audio/host_format.h"
#include "devices/audio/opus_packet.h"

struct OpusEncoder;

namespace vmi::audio {

class OpusPacketizer {
 public:
  // frame_frames: 120, 240, 480 or 960 (2.5, 5, 10 or 20 ms). bitrate in
  // bits/s.
  static Result<std::unique_ptr<OpusPacketizer>> Create(int frame_frames = kOpusFrameFrames,
                                                        int bitrate = 64000);
  ~OpusPacketizer();

  // Feeds `frames` frames (2 * frames floats) whose first sample is at
  // timestamp_us; calls emit for each finished packet. Blocks are taken as
  // contiguous: after a gap, call Reset() first.
  void Feed(const float* pcm, size_t frames, int64_t timestamp_us,
            const std::function<void(const OpusPacket&)>& emit);
  // One hub block (kBlockFrames frames).
  void Feed(const float* block, int64_t timestamp_us,
            const std::function<void(const OpusPacket&)>& emit) {
    Feed(block, kBlockFrames, timestamp_us, emit);
  }
  // Forgets buffered audio and encoder state (a new listener starts clean).
  void Reset();

  int frame_frames() const { return frame_frames_; }
  // The encoder's look-ahead: how much later a sample comes out of the
  // decoder than it went in (48 kHz frames).
  int lookahead_frames() const;

 private:
  OpusPacketizer() = default;
  OpusEncoder* enc_ = nullptr;
  int frame_frames_ = static_cast<int>(kOpusFrameFrames);
  std::vector<float> pending_;  // interleaved stereo, fewer than one frame
  int64_t pending_ts_ = 0;      // timestamp of pending_'s first sample
  uint64_t seq_ = 0;
  std::vector<uint8_t> out_;
};

}  // namespace vmi::audio
