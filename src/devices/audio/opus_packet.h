// OpusPacket and PacketQueue: what the audio hub hands to transports.
//
// A packet is one Opus frame of 48 kHz stereo (2.5 to 20 ms; the hub sends
// one packet per 5 ms block, host_format.h). timestamp_us is
// the instant the packet's first sample left the guest's ring (the virtual
// sound card "played" it), in microseconds since the Unix epoch: the clock
// of the video frames' capture timestamps, so the browser can schedule one
// against the other (A/V sync).
//
// PacketQueue is a bounded FIFO for a transport thread: Push never blocks
// and drops the oldest packet when full, so a viewer that never reads costs
// at most `capacity` packets. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

namespace vmi::audio {

struct OpusPacket {
  uint64_t seq = 0;           // per instance, +1 per packet; gaps mean drops
  int64_t timestamp_us = 0;   // Unix epoch microseconds of the first sample
  uint32_t duration_us = 0;   // 2500, 5000, 10000 or 20000
  std::vector<uint8_t> data;  // one Opus packet (RFC 6716)
};

class PacketQueue {
 public:
  explicit PacketQueue(size_t capacity = 50) : capacity_(capacity) {}

  void Push(const OpusPacket& p) {
    {
      std::lock_guard lock(mu_);
      if (q_.size() >= capacity_) {
        q_.pop_front();
        ++dropped_;
      }
      q_.push_back(p);
    }
    cv_.notify_one();
  }
  // Waits up to `timeout` for a packet.
  std::optional<OpusPacket> Pop(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return !q_.empty(); })) return std::nullopt;
    OpusPacket p = std::move(q_.front());
    q_.pop_front();
    return p;
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return q_.size();
  }
  uint64_t dropped() const {
    std::lock_guard lock(mu_);
    return dropped_;
  }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<OpusPacket> q_;
  uint64_t dropped_ = 0;
};

}  // namespace vmi::audio
