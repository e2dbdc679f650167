// ViewerSession: one browser viewer of one instance. Binds a transport (a
// WebSocket) to the instance's VideoPipeline and ControlArbiter, speaking
// the protocol of protocol.h.
//
// Life: Create() -> the transport feeds OnMessage() -> the first message must
// be HELLO (choosing H.264 or JPEG), after which the viewer is added to the
// pipeline and receives CONFIG, then frames -> OnClose() when the connection
// is gone (leaves the pipeline and the arbiter; idempotent).
//
// Pacing: a client that sends FRAME ACKs gets at most ChannelLimits::
// max_in_flight frames it has not presented yet; the pipeline encodes for it
// only when it is ready, so what it receives next is the newest picture and
// its frame rate follows what it can present (see viewer_channel.h).
//
// Back-pressure: video goes to the transport only while its queue holds less
// than `max_transport_bytes`; beyond that, frames wait in the pipeline's
// bounded channel, which drops them and asks for a keyframe when it
// overflows. So memory per viewer is bounded by the channel limits plus
// max_transport_bytes plus one frame. A transport that stays over the limit
// for `stall_timeout_us` (a viewer that never reads) is closed (1008,
// "viewer not reading").
//
// Bad input: any message ParseClientMessage rejects, input before HELLO,
// coordinates outside the screen the viewer was told about: the session sends
// an ERROR message and closes the transport with 1008 and the reason.
//
// Ownership and threads: created as a shared_ptr because the video thread
// may call into a session that the transport is closing (it holds a
// weak_ptr). OnMessage/OnClose run on the transport's thread (one at a time);
// frames are pumped on the video thread; control-state updates run on
// whichever thread changed control. The pipeline, arbiter and transport are
// borrowed and must outlive the session.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "stream/video/video_pipeline.h"
#include "stream/web/control_arbiter.h"
#include "stream/web/protocol.h"
#include "stream/web/viewer_transport.h"

namespace vmi::web {

struct ViewerSessionOptions {
  size_t max_transport_bytes = 1 << 20;
  int64_t stall_timeout_us = 10'000'000;
  int64_t min_keyframe_interval_us = 250'000;  // client keyframe requests
  std::string tag;                             // instance id for logs
  // COMMAND Rotate (error if unset). Home and Back are always XF86HomePage /
  // XF86Back key presses through the controlling viewer's input.
  std::function<Result<void>(Command)> command;
  // Audio messages (0x20-0x2f) from the client; ignored if unset. Runs on
  // the transport's thread.
  std::function<void(std::span<const uint8_t>)> on_audio;
};

class ViewerSession : public std::enable_shared_from_this<ViewerSession> {
 public:
  static std::shared_ptr<ViewerSession> Create(ViewerTransport* transport,
                                               video::VideoPipeline* pipeline,
                                               ControlArbiter* arbiter,
                                               ViewerSessionOptions options);
  ~ViewerSession();

  void OnMessage(std::span<const uint8_t> data);
  void OnClose();
  // Closes the viewer for a protocol violation the transport detected (e.g.
  // a text frame): ERROR message, then close 1008 with the reason.
  void Reject(std::string reason) { Fail(std::move(reason)); }

  // Server -> client audio (type 0x20-0x2f). Dropped (returns false) when
  // the transport is backed up: late audio is useless. Thread-safe.
  bool SendAudio(std::string message);

  uint32_t viewer_id() const { return viewer_id_; }
  bool closed() const { return closed_; }
  // Frames sent; for tests and stats.
  uint64_t frames_sent() const { return frames_sent_; }
  // The video channel's counters (all zero before HELLO). Thread-safe.
  video::ChannelStats video_stats() const;

  // Serialises an encoded frame as a VIDEO or JPEG message (with the capture
  // time converted to wall-clock microseconds). Install as the pipeline's
  // PipelineOptions::serialize.
  static std::shared_ptr<const std::string> Serialize(const video::EncodedFrame& frame);

 private:
  ViewerSession(ViewerTransport* transport, video::VideoPipeline* pipeline,
                ControlArbiter* arbiter, ViewerSessionOptions options);
  void Fail(std::string reason);
  void Pump();
  void SendControlState();
  Result<void> Handle(const ClientMessage& msg);
  Result<void> CheckPoint(int x, int y) const;

  ViewerTransport* const transport_;
  video::VideoPipeline* const pipeline_;
  ControlArbiter* const arbiter_;
  const ViewerSessionOptions options_;

  std::atomic<bool> closed_{false};
  uint32_t viewer_id_ = 0;
  std::shared_ptr<video::ViewerChannel> channel_;  // set by HELLO
  bool regions_ = false;  // HELLO offered kCodecMaskRegions
  int64_t last_keyframe_request_us_ = 0;

  // Pump state (video thread; the mutex also orders it against OnClose).
  mutable std::mutex pump_mu_;
  std::string sent_codec_;
  int64_t backlog_since_us_ = 0;
  std::atomic<int> screen_w_{0}, screen_h_{0};  // as last sent in CONFIG
  std::atomic<uint64_t> frames_sent_{0};
};

}  // namespace vmi::web
