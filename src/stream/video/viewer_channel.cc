#include "stream/video/viewer_channel.h"

#include "base/clock.h"

namespace vmi::video {

ViewerChannel::ViewerChannel(Codec codec, ChannelLimits limits, std::function<void()> on_ready,
                             bool accepts_regions)
    : codec_(codec),
      accepts_regions_(accepts_regions),
      limits_(limits),
      on_ready_(std::move(on_ready)) {}

bool ViewerChannel::Push(FramePtr frame) {
  bool was_empty;
  {
    std::lock_guard lock(mu_);
    if (waiting_keyframe_ && !frame->keyframe) {
      counters_.dropped++;
      return false;
    }
    size_t size = frame->data.size();
    bool full = queue_.size() + 1 > limits_.max_frames ||
                (!queue_.empty() && bytes_ + size > limits_.max_bytes);
    if (full) {
      counters_.overflows++;
      counters_.dropped += queue_.size();
      queue_.clear();
      bytes_ = 0;
      if (!frame->keyframe) {
        counters_.dropped++;
        waiting_keyframe_ = true;
        keyframe_requested_ = true;
        return false;
      }
    }
    if (frame->keyframe) waiting_keyframe_ = false;
    was_empty = queue_.empty();
    bytes_ += size;
    queue_.push_back(std::move(frame));
    counters_.pushed++;
  }
  if (was_empty && on_ready_) on_ready_();
  return true;
}

bool ViewerChannel::TakeKeyframeRequest() {
  std::lock_guard lock(mu_);
  bool r = keyframe_requested_;
  keyframe_requested_ = false;
  return r;
}

FramePtr ViewerChannel::Pop() {
  std::lock_guard lock(mu_);
  if (queue_.empty()) return nullptr;
  if (acking_ && in_flight_ >= limits_.max_in_flight) {
    if (MonotonicMicros() - last_ack_us_ < limits_.ack_timeout_us) return nullptr;
    in_flight_ = 0;  // the acks are lost; do not freeze
  }
  if (in_flight_ == 0) last_ack_us_ = MonotonicMicros();
  FramePtr f = std::move(queue_.front());
  queue_.pop_front();
  bytes_ -= f->data.size();
  in_flight_++;
  return f;
}

bool ViewerChannel::Acked() {
  std::lock_guard lock(mu_);
  if (!acking_) {
    // Frames popped before the first ack are not counted as in flight: the
    // consumer may have presented them before it started acking.
    acking_ = true;
    in_flight_ = 1;
  }
  bool was_full = in_flight_ >= limits_.max_in_flight;
  if (in_flight_ > 0) in_flight_--;
  last_ack_us_ = MonotonicMicros();
  counters_.acked++;
  return was_full && !queue_.empty();
}

bool ViewerChannel::ready() const {
  std::lock_guard lock(mu_);
  return queue_.empty() && (!acking_ || in_flight_ < limits_.max_in_flight ||
                            MonotonicMicros() - last_ack_us_ >= limits_.ack_timeout_us);
}

void ViewerChannel::RequestKeyframe() {
  std::lock_guard lock(mu_);
  counters_.dropped += queue_.size();
  queue_.clear();
  bytes_ = 0;
  waiting_keyframe_ = true;
  keyframe_requested_ = true;
  in_flight_ = 0;  // what was sent before will not be presented
}

ChannelStats ViewerChannel::stats() const {
  std::lock_guard lock(mu_);
  ChannelStats s = counters_;
  s.queued_frames = queue_.size();
  s.queued_bytes = bytes_;
  s.waiting_keyframe = waiting_keyframe_;
  s.in_flight = acking_ ? in_flight_ : 0;
  return s;
}

}  // namespace vmi::video
