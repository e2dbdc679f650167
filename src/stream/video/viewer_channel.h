// ViewerChannel: the bounded queue of encoded frames between the pipeline
// (producer, capture thread) and one viewer's transport (consumer).
//
// A slow consumer never stalls the producer and never grows memory: when a
// push would exceed the frame or byte limit, the queue is emptied, the
// channel waits for the next keyframe (dropping delta frames that could not
// be decoded without their predecessors) and asks the pipeline for one. A
// new channel starts in that waiting state, so a joining viewer gets a
// keyframe at once.
//
// Ownership: shared by the pipeline and the viewer (shared_ptr), because
// either side may go away first. Threads: Push/TakeKeyframeRequest from the
// producer, Pop/RequestKeyframe from the consumer, stats from anyone; all
// methods are thread-safe. on_ready runs on the producer thread after a push
// into an empty queue and on every tick while frames wait; it must not block
// and must not call back into the pipeline (Pop and RequestKeyframe are
// fine).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>

#include "stream/video/encoded_frame.h"

namespace vmi::video {

struct ChannelLimits {
  size_t max_frames = 6;
  size_t max_bytes = 4 << 20;
};

struct ChannelStats {
  size_t queued_frames = 0;
  size_t queued_bytes = 0;
  uint64_t pushed = 0;    // frames accepted
  uint64_t dropped = 0;   // frames discarded (overflow or waiting for keyframe)
  uint64_t overflows = 0; // times the queue was full
  bool waiting_keyframe = false;
};

class ViewerChannel {
 public:
  ViewerChannel(Codec codec, ChannelLimits limits, std::function<void()> on_ready);
  ViewerChannel(const ViewerChannel&) = delete;
  ViewerChannel& operator=(const ViewerChannel&) = delete;

  Codec codec() const { return codec_; }

  // Producer: queues a frame or drops it; returns whether it was queued.
  bool Push(FramePtr frame);
  // Producer: true once after a keyframe was requested (join, overflow, or
  // RequestKeyframe).
  bool TakeKeyframeRequest();
  // Producer: runs on_ready (the pipeline does this every tick while frames
  // wait, so a consumer that stopped pulling because its transport was full
  // tries again).
  void Notify() {
    if (on_ready_) on_ready_();
  }

  // Consumer: the oldest queued frame, or null.
  FramePtr Pop();
  // Consumer: the decoder lost its state (or the viewer asked); discard
  // deltas until the next keyframe.
  void RequestKeyframe();

  ChannelStats stats() const;

 private:
  const Codec codec_;
  const ChannelLimits limits_;
  const std::function<void()> on_ready_;
  mutable std::mutex mu_;
  std::deque<FramePtr> queue_;
  size_t bytes_ = 0;
  bool waiting_keyframe_ = true;
  bool keyframe_requested_ = true;
  ChannelStats counters_;
};

}  // namespace vmi::video
