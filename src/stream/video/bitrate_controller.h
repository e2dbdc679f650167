// BitrateController: adapts the encoder's bitrate cap to the slowest viewer.
//
// Inputs, once per encoded frame: the largest backlog among the viewers'
// channels and whether any of them overflowed since the last call.
// A drop or a backlog of `congested_frames` or more cuts the rate
// multiplicatively (at most every `decrease_interval_us`); a backlog of at
// most one frame for `increase_interval_us` raises it by 15%. Always within
// [min_kbps, max_kbps]. Pure logic: no clock of its own, no threads.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vmi::video {

struct BitrateLimits {
  int initial_kbps = 4000;
  int min_kbps = 300;
  int max_kbps = 8000;
  size_t congested_frames = 3;
  int64_t decrease_interval_us = 300'000;
  int64_t increase_interval_us = 2'000'000;
};

class BitrateController {
 public:
  explicit BitrateController(BitrateLimits limits);
  // Returns the bitrate to use from now on.
  int Update(int64_t now_us, size_t worst_backlog_frames, bool dropped);
  int kbps() const { return kbps_; }

 private:
  BitrateLimits limits_;
  int kbps_;
  int64_t last_change_us_ = 0;
  bool started_ = false;
};

}  // namespace vmi::video
