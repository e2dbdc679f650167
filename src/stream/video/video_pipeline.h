// VideoPipeline: the per-instance video path. Captures a FrameSource, encodes
// each damaged picture once per codec, and fans the encoded frames out to
// every viewer's bounded channel.
//
// Threads: one thread, "vmi-video", started when the first viewer is added
// and stopped when the last one leaves (joined on the next start or in the
// destructor). It paces Capture() to at most `fps` (waiting on the source's
// wait_fd when it has one), and runs colour conversion, x264 and JPEG
// itself: capture -> encode -> publish has no queue in between, so latency is
// one encode. While that thread runs it is the only user of the source.
// AddViewer/RemoveViewer/stats are thread-safe and never block on encoding.
//
// Ownership: the source is borrowed and must outlive the pipeline. Channels
// are shared with the viewers (see viewer_channel.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/unique_fd.h"
#include "devices/display/frame_source.h"
#include "stream/video/bitrate_controller.h"
#include "stream/video/h264_encoder.h"
#include "stream/video/jpeg_encoder.h"
#include "stream/video/preview_encoder.h"
#include "stream/video/region_streams.h"
#include "stream/video/viewer_channel.h"

namespace vmi::video {

struct PipelineOptions {
  int fps = 60;
  H264Options h264;  // width/height/bitrate are filled in by the pipeline
  BitrateLimits bitrate;
  int jpeg_quality = 75;
  PreviewOptions preview;  // the kH264Preview stream
  // Small changes as region pictures (region_streams.h), while every H.264
  // viewer accepts them; crf/preset/fps are taken from `h264`.
  bool regions = true;
  RegionOptions region;
  ChannelLimits channel;
  // Least time between two IDRs asked for by viewers that already had one.
  int64_t min_keyframe_interval_us = 500'000;
  std::string tag;  // instance id for log lines
  // Builds EncodedFrame::wire once per frame, on the capture thread, before
  // fan-out (the transport's message format). Optional.
  std::function<std::shared_ptr<const std::string>(const EncodedFrame&)> serialize;
};

struct PipelineStats {
  bool running = false;
  size_t viewers = 0;
  uint64_t captures = 0;        // Capture() calls
  uint64_t damaged = 0;         // captures with damage
  uint64_t skipped = 0;         // ticks without capture: no viewer ready
  uint64_t h264_frames = 0;
  uint64_t h264_keyframes = 0;
  uint64_t jpeg_frames = 0;
  uint64_t preview_frames = 0;
  uint64_t region_frames = 0;   // H.264 frames sent as region pictures
  uint64_t region_inits = 0;    // region encoders created
  uint64_t encoder_inits = 0;   // H.264 encoder (re)creations
  uint64_t thread_starts = 0;
  uint64_t bytes_out = 0;       // encoded bytes (before fan-out)
  int bitrate_kbps = 0;
  int width = 0, height = 0;    // last captured size
};

class VideoPipeline {
 public:
  VideoPipeline(display::FrameSource* source, PipelineOptions options);
  ~VideoPipeline();
  VideoPipeline(const VideoPipeline&) = delete;
  VideoPipeline& operator=(const VideoPipeline&) = delete;

  // Adds a viewer; its first frame will be a keyframe. on_ready: see
  // ViewerChannel. `regions`: the viewer can draw region frames
  // (EncodedFrame::regions); the H.264 stream uses them only while every
  // kH264 viewer can.
  std::shared_ptr<ViewerChannel> AddViewer(Codec codec, std::function<void()> on_ready,
                                           bool regions = false);
  void RemoveViewer(const std::shared_ptr<ViewerChannel>& channel);
  // Wakes the capture thread so a keyframe request is served without waiting
  // for damage or the next tick.
  void Wake();
  PipelineStats stats() const;

 private:
  void Run();
  void StartLocked();
  void Tick(bool* keep_running);
  void EncodeH264(const display::FrameView& view, bool key, bool all_regions,
                  size_t worst_backlog, uint64_t overflows,
                  const std::vector<std::shared_ptr<ViewerChannel>>& to);
  void Publish(Codec codec, EncodedFrame frame,
               const std::vector<std::shared_ptr<ViewerChannel>>& to);

  display::FrameSource* const source_;
  const PipelineOptions options_;
  UniqueFd wake_;  // eventfd: stop, new viewer, keyframe request

  mutable std::mutex mu_;
  std::vector<std::shared_ptr<ViewerChannel>> viewers_;
  std::thread thread_;
  bool stop_ = false;
  PipelineStats stats_;

  // Capture thread only.
  std::unique_ptr<H264Encoder> h264_;
  RegionStreams regions_;
  std::unique_ptr<JpegEncoder> jpeg_;
  std::unique_ptr<PreviewEncoder> preview_;
  int64_t next_preview_us_ = 0;
  bool preview_dirty_ = false;  // damage not yet in the preview stream
  BitrateController bitrate_;
  uint64_t last_overflows_ = 0;
  int64_t last_keyframe_us_ = 0;
  // Damage captured but not yet given to any H.264 encoder (captures made
  // for JPEG or preview viewers while no H.264 viewer was ready).
  std::vector<display::Rect> h264_damage_;
  // Damage given to region encoders only: the full stream's next frame must
  // cover it.
  std::vector<display::Rect> full_behind_;
  int last_width_ = 0, last_height_ = 0;
};

}  // namespace vmi::video
