#include "stream/video/video_pipeline.h"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>

#include "base/clock.h"
#include "base/log.h"

namespace vmi::video {

namespace {

RegionOptions RegionOptionsFor(const PipelineOptions& o) {
  RegionOptions r = o.region;
  r.crf = o.h264.crf;
  r.preset = o.h264.preset;
  r.fps = o.fps;
  return r;
}

bool Contains(const display::Rect& outer, const display::Rect& r) {
  return r.x >= outer.x && r.y >= outer.y && r.x + r.w <= outer.x + outer.w &&
         r.y + r.h <= outer.y + outer.h;
}

// Adds `more` to the damage list `acc`, skipping rectangles it already
// covers (a region animating in place damages the same square every frame);
// beyond a few dozen rectangles their bounding box is as good.
void AppendDamage(std::vector<display::Rect>* acc, const std::vector<display::Rect>& more,
                  int width, int height) {
  for (const display::Rect& r : more) {
    if (std::any_of(acc->begin(), acc->end(), [&](const display::Rect& a) { return Contains(a, r); }))
      continue;
    acc->push_back(r);
  }
  if (acc->size() > 32) *acc = {BoundingBox(*acc, width, height)};
}

}  // namespace

VideoPipeline::VideoPipeline(display::FrameSource* source, PipelineOptions options)
    : source_(source),
      options_(std::move(options)),
      wake_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      regions_(RegionOptionsFor(options_)),
      bitrate_(options_.bitrate) {
  stats_.bitrate_kbps = bitrate_.kbps();
}

VideoPipeline::~VideoPipeline() {
  std::thread t;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    t = std::move(thread_);
  }
  Wake();
  if (t.joinable()) t.join();
}

void VideoPipeline::Wake() {
  uint64_t one = 1;
  if (wake_.valid()) (void)!write(wake_.get(), &one, sizeof(one));
}

std::shared_ptr<ViewerChannel> VideoPipeline::AddViewer(Codec codec,
                                                        std::function<void()> on_ready,
                                                        bool regions) {
  auto ch =
      std::make_shared<ViewerChannel>(codec, options_.channel, std::move(on_ready), regions);
  std::lock_guard lock(mu_);
  viewers_.push_back(ch);
  stats_.viewers = viewers_.size();
  if (!stats_.running) StartLocked();
  Wake();
  return ch;
}

void VideoPipeline::RemoveViewer(const std::shared_ptr<ViewerChannel>& channel) {
  std::lock_guard lock(mu_);
  std::erase(viewers_, channel);
  stats_.viewers = viewers_.size();
  // The thread notices an empty viewer list and exits by itself; it is
  // joined by the next start or the destructor, so this never blocks.
  Wake();
}

PipelineStats VideoPipeline::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void VideoPipeline::StartLocked() {
  // A thread that already decided to exit may still be finishing; it no
  // longer touches shared state once it cleared `running`, so joining here
  // is short.
  if (thread_.joinable()) thread_.join();
  stats_.running = true;
  stats_.thread_starts++;
  thread_ = std::thread([this] { Run(); });
}

void VideoPipeline::Run() {
  pthread_setname_np(pthread_self(), "vmi-video");
  const int64_t period_us = 1000000 / std::max(1, options_.fps);
  int64_t next_us = MonotonicMicros();
  bool keep_running = true;
  while (keep_running) {
    // Pace: never tick before next_us, so nothing (not even a flood of
    // keyframe requests) pushes the rate above `fps`. Then, if the source can
    // tell, wait until it has something new; the wake eventfd (new viewer,
    // keyframe request, stop) ends that second wait early.
    pollfd fds[2] = {{wake_.get(), POLLIN, 0}, {source_->wait_fd(), POLLIN, 0}};
    bool woken = false;
    uint64_t drain;
    for (int64_t left; (left = next_us - MonotonicMicros()) > 0;) {
      timespec ts{left / 1000000, (left % 1000000) * 1000};
      if (ppoll(fds, 1, &ts, nullptr) > 0) {
        woken = true;
        (void)!read(wake_.get(), &drain, sizeof(drain));
        std::lock_guard lock(mu_);
        if (stop_) break;
      }
    }
    if (fds[1].fd >= 0 && !woken) {
      timespec ts{0, 200 * 1000000};  // re-check viewers and requests at 5 Hz
      ppoll(fds, 2, &ts, nullptr);
    }
    (void)!read(wake_.get(), &drain, sizeof(drain));
    next_us = std::max(next_us + period_us, MonotonicMicros());
    Tick(&keep_running);
  }
}

void VideoPipeline::Tick(bool* keep_running) {
  std::vector<std::shared_ptr<ViewerChannel>> h264_to, jpeg_to, preview_to;
  bool key_preview = false, preview_ready = false;
  bool key_h264 = false, key_jpeg = false, h264_ready = false, all_regions = true;
  size_t worst_backlog = 0;
  uint64_t overflows = 0;
  std::vector<std::shared_ptr<ViewerChannel>> pending;
  {
    std::lock_guard lock(mu_);
    if (stop_ || viewers_.empty()) {
      stats_.running = false;
      *keep_running = false;
      // Free the encoders with the thread: nobody watches.
      h264_.reset();
      jpeg_.reset();
      preview_.reset();
      h264_damage_.clear();
      regions_.Reset();
      full_behind_.clear();
      return;
    }
    // IDRs for viewers that already had one (overflow, lost decoder state)
    // come at most every min_keyframe_interval_us: each one costs every
    // viewer several frames' worth of bytes, so a slow viewer must not turn
    // a fast one's stream into keyframes. A joining viewer is served at once.
    const bool key_allowed =
        MonotonicMicros() - last_keyframe_us_ >= options_.min_keyframe_interval_us;
    for (auto& v : viewers_) {
      auto s = v->stats();
      bool key = (key_allowed || s.pushed == 0) && v->TakeKeyframeRequest();
      // A consumer that could not take everything last time (its transport
      // was backed up) gets another chance every tick.
      if (s.queued_frames > 0) pending.push_back(v);
      if (v->codec() == Codec::kH264) {
        h264_to.push_back(v);
        key_h264 |= key;
        h264_ready |= v->ready();
        all_regions &= v->accepts_regions();
        worst_backlog = std::max(worst_backlog, s.queued_frames);
        overflows += s.overflows;
      } else if (v->codec() == Codec::kH264Preview) {
        preview_to.push_back(v);
        key_preview |= key;
        preview_ready |= v->ready();
      } else {
        jpeg_to.push_back(v);
        key_jpeg |= key;
      }
    }
  }
  for (auto& v : pending) v->Notify();
  // Skip when behind: if no H.264 viewer could send a frame now (each still
  // has one queued or its frames in flight unacknowledged), encoding would
  // only queue a picture that is stale by the time it leaves. Nothing is
  // captured either, so the source keeps accumulating the damage and the
  // next tick takes the newest picture with all of it.
  bool want_h264 = !h264_to.empty() && (h264_ready || key_h264);
  // The preview stream is also held to its own rate (PreviewOptions::fps).
  const int64_t tick_us = MonotonicMicros();
  bool want_preview = !preview_to.empty() &&
                      (key_preview || (preview_ready && tick_us >= next_preview_us_));
  if (!want_h264 && !want_preview && jpeg_to.empty()) {
    std::lock_guard lock(mu_);
    stats_.skipped++;
    return;
  }
  auto captured = source_->Capture();
  {
    std::lock_guard lock(mu_);
    stats_.captures++;
  }
  if (!captured.ok()) {
    VMI_ILOG(WARN, options_.tag) << "capture: " << captured.error().ToString();
    // Re-ask for keyframes: the failed tick consumed the requests.
    for (auto& v : h264_to) {
      if (key_h264) v->RequestKeyframe();
    }
    for (auto& v : jpeg_to) {
      if (key_jpeg) v->RequestKeyframe();
    }
    usleep(100000);
    return;
  }
  const display::FrameView& view = *captured;
  bool resized = view.width != last_width_ || view.height != last_height_;
  last_width_ = view.width;
  last_height_ = view.height;
  bool damaged = !view.damage.empty() || resized;
  if (damaged) {
    std::lock_guard lock(mu_);
    stats_.damaged++;
    stats_.width = view.width;
    stats_.height = view.height;
  }

  // Damage captured for JPEG or preview viewers while H.264 was skipped has to
  // reach the H.264 encoder, which only converts what the damage names.
  if (!want_h264) {
    if (damaged && !h264_to.empty()) {
      if (resized) {
        h264_damage_ = {{0, 0, view.width, view.height}};
      } else {
        AppendDamage(&h264_damage_, view.damage, view.width, view.height);
      }
    }
    h264_to.clear();
  }
  if (!h264_to.empty() && (damaged || key_h264 || !h264_damage_.empty()))
    EncodeH264(view, key_h264, all_regions, worst_backlog, overflows, h264_to);

  if (!preview_to.empty()) {
    if (want_preview && (damaged || preview_dirty_ || key_preview)) {
      if (!preview_) preview_ = std::make_unique<PreviewEncoder>(options_.preview);
      auto f = preview_->Encode(view, key_preview);
      if (f.ok()) {
        Publish(Codec::kH264Preview, std::move(*f), preview_to);
      } else {
        VMI_ILOG(ERROR, options_.tag) << f.error().ToString();
      }
      preview_dirty_ = false;
      // Keep to a grid of 1/fps while on schedule: the tick that finds the
      // deadline passed is up to one pacing tick late, and counting the next
      // interval from it would drift the preview to 8-9 fps at 10.
      const int64_t interval = 1000000 / std::max(1, options_.preview.fps);
      next_preview_us_ =
          tick_us - next_preview_us_ < interval ? next_preview_us_ + interval : tick_us + interval;
    } else if (damaged) {
      preview_dirty_ = true;
    }
  }

  if (!jpeg_to.empty() && (damaged || key_jpeg)) {
    if (!jpeg_) {
      auto enc = JpegEncoder::Create(options_.jpeg_quality);
      if (enc.ok()) {
        jpeg_ = std::move(*enc);
      } else {
        VMI_ILOG(ERROR, options_.tag) << enc.error().ToString();
      }
    }
    if (jpeg_) {
      display::Rect r{0, 0, view.width, view.height};
      if (!key_jpeg && !resized) r = BoundingBox(view.damage, view.width, view.height);
      if (r.w > 0) {
        auto f = jpeg_->Encode(view, r);
        if (f.ok()) {
          Publish(Codec::kJpeg, std::move(*f), jpeg_to);
        } else {
          VMI_ILOG(ERROR, options_.tag) << f.error().ToString();
        }
      }
    }
  }
}

void VideoPipeline::EncodeH264(const display::FrameView& view, bool key, bool all_regions,
                               size_t worst_backlog, uint64_t overflows,
                               const std::vector<std::shared_ptr<ViewerChannel>>& to) {
  bool fresh = false;
  if (!h264_ || h264_->width() != (view.width & ~1) || h264_->height() != (view.height & ~1)) {
    H264Options o = options_.h264;
    o.width = view.width;
    o.height = view.height;
    o.fps = options_.fps;
    o.bitrate_kbps = bitrate_.kbps();
    auto enc = H264Encoder::Create(o);
    regions_.Reset();
    full_behind_.clear();
    if (!enc.ok()) {
      VMI_ILOG(ERROR, options_.tag) << enc.error().ToString();
      h264_.reset();
      return;
    }
    h264_ = std::move(*enc);
    fresh = true;
    std::lock_guard lock(mu_);
    stats_.encoder_inits++;
  }
  int64_t now = MonotonicMicros();
  bool overflowed = overflows != last_overflows_;
  last_overflows_ = overflows;
  int kbps = bitrate_.Update(now, worst_backlog, overflowed);
  if (kbps != h264_->bitrate_kbps()) {
    auto r = h264_->SetBitrate(kbps);
    if (!r.ok()) VMI_ILOG(WARN, options_.tag) << r.error().ToString();
  }
  // Everything no H.264 encoder has seen yet: this capture's damage and what
  // skipped ticks captured for other viewers.
  display::FrameView pic = view;
  AppendDamage(&pic.damage, h264_damage_, view.width, view.height);
  h264_damage_.clear();

  // A small change goes to the region encoders while every viewer can draw
  // them; anything else (or a failure there) to the full stream.
  if (!key && !fresh && options_.regions && all_regions && !pic.damage.empty()) {
    auto r = regions_.Encode(pic, h264_->codec_string(), kbps);
    if (!r.ok()) {
      VMI_ILOG(ERROR, options_.tag) << "regions: " << r.error().ToString();
    } else if (r->has_value()) {
      AppendDamage(&full_behind_, pic.damage, view.width, view.height);
      {
        std::lock_guard lock(mu_);
        stats_.region_inits = regions_.encoder_inits();
      }
      if (!(*r)->data.empty()) Publish(Codec::kH264, std::move(**r), to);
      return;
    }
  }
  if (regions_.active()) regions_.Reset();
  // The full stream catches up with whatever the regions showed meanwhile.
  AppendDamage(&pic.damage, full_behind_, view.width, view.height);
  full_behind_.clear();
  auto f = h264_->Encode(pic, key || fresh);
  if (!f.ok()) {
    VMI_ILOG(ERROR, options_.tag) << f.error().ToString();
    return;
  }
  if (f->keyframe) last_keyframe_us_ = MonotonicMicros();
  Publish(Codec::kH264, std::move(*f), to);
}

void VideoPipeline::Publish(Codec codec, EncodedFrame frame,
                            const std::vector<std::shared_ptr<ViewerChannel>>& to) {
  if (options_.serialize) frame.wire = options_.serialize(frame);
  auto shared = std::make_shared<const EncodedFrame>(std::move(frame));
  {
    std::lock_guard lock(mu_);
    stats_.bytes_out += shared->data.size();
    if (codec == Codec::kH264Preview) {
      stats_.preview_frames++;
    } else if (codec == Codec::kH264) {
      stats_.h264_frames++;
      if (shared->keyframe) stats_.h264_keyframes++;
      if (!shared->regions.empty()) stats_.region_frames++;
      stats_.bitrate_kbps = bitrate_.kbps();
    } else {
      stats_.jpeg_frames++;
    }
  }
  // A channel that overflows here asks for a keyframe, served on the next
  // tick even when the screen is still.
  for (auto& v : to) v->Push(shared);
}

}  // namespace vmi::video
