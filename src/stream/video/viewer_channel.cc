#include "stream/video/viewer_channel.h"

namespace vmi::video {

ViewerChannel::ViewerChannel(Codec codec, ChannelLimits limits, std::function<void()> on_ready)
    : codec_(codec), limits_(limits), on_ready_(std::move(on_ready)) {}

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
  FramePtr f = std::move(queue_.front());
  queue_.pop_front();
  bytes_ -= f->data.size();
  return f;
}

void ViewerChannel::RequestKeyframe() {
  std::lock_guard lock(mu_);
  counters_.dropped += queue_.size();
  queue_.clear();
  bytes_ = 0;
  waiting_keyframe_ = true;
  keyframe_requested_ = true;
}

ChannelStats ViewerChannel::stats() const {
  std::lock_guard lock(mu_);
  ChannelStats s = counters_;
  s.queued_frames = queue_.size();
  s.queued_bytes = bytes_;
  s.waiting_keyframe = waiting_keyframe_;
  return s;
}

}  // namespace vmi::video
