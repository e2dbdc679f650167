// CallLink: one side of in-call audio between two sound cards in different
// processes (each instance's device host has its own AudioHub). The two
// sides share a SOCK_SEQPACKET socket pair that the daemon makes and hands
// to both device hosts; every block (5 ms) each side sends its microphone
// block and plays what the other side sent (AudioHub::SetCallLink).
//
// Wire format: one datagram per block, exactly kBlockBytes: 2 * kBlockFrames
// 32-bit floats, interleaved stereo, host byte order (both ends run on the
// same machine). A datagram of any other size ends the link.
//
// Timing: the two hubs tick on their own clocks (same rate, any phase), and
// on a loaded machine a hub's timer wakes late and ticks two or three
// blocks at once. So arrivals are queued and playing starts once kPrefill
// blocks are there: one block waits, which absorbs a peer that ticks a
// block late or early without a gap (the link adds 5-10 ms). A queue that
// runs dry plays silence and fills to kPrefill again; a queue over
// kMaxQueued is cut, oldest first, and one that stays above kPrefill for
// kDrainTicks ticks in a row loses one block, so a stall does not leave
// lasting delay behind.
//
// Ownership: owns the socket. Threads: the hub's loop thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "devices/audio/host_format.h"

namespace vmi::audio {

class CallLink {
 public:
  static constexpr size_t kBlockBytes = 2 * kBlockFrames * sizeof(float);
  static constexpr size_t kPrefill = 2;
  static constexpr size_t kMaxQueued = 6;
  static constexpr int kDrainTicks = 200;  // 1 s

  // `fd`: one end of a SOCK_SEQPACKET socket pair; `peer`: the far end's
  // instance, for logs and stats. The socket is made non-blocking.
  CallLink(UniqueFd fd, std::string peer);

  // Sends this block's microphone (2 * kBlockFrames floats, or null for
  // silence) and returns the far end's next block, or null if none is due.
  // The returned block is valid until the next call.
  const float* Exchange(const float* microphone);

  // The far end hung up, or the socket failed: the link carries nothing
  // more and should be dropped.
  bool closed() const { return closed_; }
  const std::string& peer() const { return peer_; }
  const std::string& close_reason() const { return close_reason_; }

  struct Stats {
    uint64_t sent = 0;      // blocks sent
    uint64_t received = 0;  // blocks received
    uint64_t played = 0;    // blocks played (received and not cut)
    uint64_t dropped = 0;   // blocks not sent (socket full) or cut from the queue
    uint64_t late = 0;      // ticks with nothing to play
  };
  const Stats& stats() const { return stats_; }

 private:
  void Close(std::string reason);

  UniqueFd fd_;
  std::string peer_;
  bool closed_ = false;
  std::string close_reason_;
  std::deque<std::vector<float>> queue_;
  bool filling_ = true;  // waiting for kPrefill blocks before playing
  int deep_ticks_ = 0;   // consecutive ticks with more than kPrefill queued
  std::vector<float> playing_ = std::vector<float>(2 * kBlockFrames);
  std::vector<float> silence_ = std::vector<float>(2 * kBlockFrames);
  Stats stats_;
};

}  // namespace vmi::audio
