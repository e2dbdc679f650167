// MicIngress: Opus packets from a viewer's microphone -> 48 kHz stereo PCM
// waiting for the guest's capture streams.
//
// Feed() decodes at once on the caller's thread (a transport thread) into a
// FIFO bounded at kMaxBufferedMs; older audio is dropped when a sender
// floods. Malformed packets are counted and dropped; nothing a browser
// sends can grow memory or stop the device. Pull() takes one hub block
// for the hub's loop thread, padding with silence.
//
// Threads: Feed, Pull and the counters are thread-safe (one mutex).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "base/result.h"

struct OpusDecoder;

namespace vmi::audio {

class MicIngress {
 public:
  static constexpr int kMaxBufferedMs = 200;
  static constexpr size_t kMaxPacketBytes = 1500;

  static Result<std::unique_ptr<MicIngress>> Create();
  ~MicIngress();

  // Returns an error (and drops the packet) if it is not valid Opus.
  Result<void> Feed(std::span<const uint8_t> packet);
  // Fills block[2 * frames]; returns how many frames were real audio.
  size_t Pull(float* block, size_t frames);

  uint64_t malformed() const;
  uint64_t dropped_frames() const;
  size_t buffered_frames() const;

 private:
  MicIngress() = default;
  mutable std::mutex mu_;
  OpusDecoder* dec_ = nullptr;
  std::deque<float> fifo_;  // interleaved stereo
  std::vector<float> pcm_;
  uint64_t malformed_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace vmi::audio
