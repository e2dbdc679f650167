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
// Pacing by acknowledgements: once the consumer reports a presented frame
// (Acked), at most `max_in_flight` popped frames may be unacknowledged; Pop
// holds further frames back until an ack comes, and ready() tells the
// pipeline not to encode for this viewer meanwhile (so the picture it gets
// next is the newest, not one that waited behind others). A consumer that
// never acks is paced by its transport alone. Acks that never come (a frame
// the decoder dropped) cannot freeze a viewer: a keyframe request or
// `ack_timeout_us` without any ack forgets the frames in flight.
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
  size_t max_in_flight = 2;  // popped, not yet acknowledged (after the first ack)
  int64_t ack_timeout_us = 1'000'000;
};

struct ChannelStats {
  size_t queued_frames = 0;
  size_t queued_bytes = 0;
  uint64_t pushed = 0;    // frames accepted
  uint64_t dropped = 0;   // frames discarded (overflow or waiting for keyframe)
  uint64_t overflows = 0; // times the queue was full
  bool waiting_keyframe = false;
  size_t in_flight = 0;   // popped and not acknowledged (0 until the first ack)
  uint64_t acked = 0;
};

class ViewerChannel {
 public:
  // accepts_regions: the consumer can present region frames
  // (EncodedFrame::regions).
  ViewerChannel(Codec codec, ChannelLimits limits, std::function<void()> on_ready,
                bool accepts_regions = false);
  ViewerChannel(const ViewerChannel&) = delete;
  ViewerChannel& operator=(const ViewerChannel&) = delete;

  Codec codec() const { return codec_; }
  bool accepts_regions() const { return accepts_regions_; }

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

  // Consumer: the oldest queued frame, or null (also while max_in_flight
  // frames wait for their acks).
  FramePtr Pop();
  // Consumer: the viewer presented a frame. Returns true if that made room
  // for a frame that waits in the queue (the consumer should Pop again).
  bool Acked();
  // Producer: nothing queued and room in flight: a frame encoded now would
  // go out at once.
  bool ready() const;
  // Consumer: the decoder lost its state (or the viewer asked); discard
  // deltas until the next keyframe.
  void RequestKeyframe();

  ChannelStats stats() const;

 private:
  const Codec codec_;
  const bool accepts_regions_;
  const ChannelLimits limits_;
  const std::function<void()> on_ready_;
  mutable std::mutex mu_;
  std::deque<FramePtr> queue_;
  size_t bytes_ = 0;
  bool waiting_keyframe_ = true;
  bool keyframe_requested_ = true;
  bool acking_ = false;   // the consumer has acknowledged a frame
  size_t in_flight_ = 0;
  int64_t last_ack_us_ = 0;  // or the first pop after it
  ChannelStats counters_;
};

}  // namespace vmi::video
