#include "stream/web/viewer_session.h"

#include <time.h>

#include <utility>

#include "base/clock.h"
#include "base/log.h"

namespace vmi::web {

namespace {

constexpr uint32_t kXF86HomePage = 0x1008ff18;
constexpr uint32_t kXF86Back = 0x1008ff26;
constexpr uint16_t kPolicyViolation = 1008;

}  // namespace

std::shared_ptr<const std::string> ViewerSession::Serialize(const video::EncodedFrame& f) {
  // Capture time on the wall clock, so a browser on the same host can
  // compare it with Date.now()/performance.timeOrigin.
  int64_t wall = WallMicros() - (MonotonicMicros() - f.capture_time_us);
  if (!f.regions.empty()) {
    std::string msg = EncodeRegionsHeader(static_cast<int>(f.regions.size()),
                                          static_cast<uint64_t>(wall));
    for (const video::RegionPart& p : f.regions) {
      msg += EncodeRegionPartHeader({p.id, p.rect.x, p.rect.y, p.rect.w, p.rect.h, p.keyframe,
                                     static_cast<uint32_t>(p.size)});
      msg.append(reinterpret_cast<const char*>(f.data.data() + p.offset), p.size);
    }
    return std::make_shared<const std::string>(std::move(msg));
  }
  std::string msg = f.codec != video::Codec::kJpeg
                        ? EncodeVideoHeader(f.keyframe, static_cast<uint64_t>(wall))
                        : EncodeJpegHeader(f.keyframe, f.rect.x, f.rect.y, f.rect.w, f.rect.h,
                                           static_cast<uint64_t>(wall));
  msg.append(reinterpret_cast<const char*>(f.data.data()), f.data.size());
  return std::make_shared<const std::string>(std::move(msg));
}

std::shared_ptr<ViewerSession> ViewerSession::Create(ViewerTransport* transport,
                                                     video::VideoPipeline* pipeline,
                                                     ControlArbiter* arbiter,
                                                     ViewerSessionOptions options) {
  auto s = std::shared_ptr<ViewerSession>(
      new ViewerSession(transport, pipeline, arbiter, std::move(options)));
  std::weak_ptr<ViewerSession> weak = s;
  s->viewer_id_ = arbiter->Join([weak] {
    if (auto self = weak.lock()) self->SendControlState();
  });
  return s;
}

ViewerSession::ViewerSession(ViewerTransport* transport, video::VideoPipeline* pipeline,
                             ControlArbiter* arbiter, ViewerSessionOptions options)
    : transport_(transport), pipeline_(pipeline), arbiter_(arbiter), options_(std::move(options)) {}

ViewerSession::~ViewerSession() { OnClose(); }

void ViewerSession::OnClose() {
  if (closed_.exchange(true)) return;
  if (channel_) pipeline_->RemoveViewer(channel_);
  arbiter_->Leave(viewer_id_);
  // Wait for a pump in progress on the video thread to finish with the
  // transport.
  std::lock_guard lock(pump_mu_);
}

void ViewerSession::Fail(std::string reason) {
  if (reason.size() > 123) reason.resize(123);
  VMI_ILOG(INFO, options_.tag) << "viewer " << viewer_id_ << " closed: " << reason;
  transport_->Send(EncodeError(kPolicyViolation, reason));
  transport_->Close(kPolicyViolation, reason);
  OnClose();
}

void ViewerSession::SendControlState() {
  if (closed_) return;
  ControlView v = arbiter_->view();
  ControlStateKind kind = v.controller == 0             ? ControlStateKind::kNobody
                          : v.controller == viewer_id_ ? ControlStateKind::kYou
                                                       : ControlStateKind::kOther;
  transport_->Send(EncodeControlState(kind, v.viewers, viewer_id_, v.controller));
}

bool ViewerSession::SendAudio(std::string message) {
  if (closed_ || transport_->queued_bytes() >= options_.max_transport_bytes) return false;
  return transport_->Send(std::move(message));
}

void ViewerSession::Pump() {
  std::lock_guard lock(pump_mu_);
  if (closed_ || !channel_) return;
  for (;;) {
    if (transport_->queued_bytes() >= options_.max_transport_bytes) {
      int64_t now = MonotonicMicros();
      if (backlog_since_us_ == 0) {
        backlog_since_us_ = now;
      } else if (now - backlog_since_us_ > options_.stall_timeout_us) {
        // Fail() takes pump_mu_ through OnClose(); leave the lock first by
        // handing the close to the transport directly.
        closed_ = true;
        transport_->Close(kPolicyViolation, "viewer not reading");
        VMI_ILOG(INFO, options_.tag) << "viewer " << viewer_id_ << " dropped: not reading";
        return;
      }
      return;  // frames wait in the channel; it drops and asks for a keyframe
    }
    backlog_since_us_ = 0;
    video::FramePtr f = channel_->Pop();
    if (!f) return;
    std::string config = f->codec_string + "/" + std::to_string(f->width) + "x" +
                         std::to_string(f->height);
    if (config != sent_codec_) {
      if (!f->keyframe) continue;  // cannot start a decoder on a delta
      sent_codec_ = config;
      screen_w_ = f->width;
      screen_h_ = f->height;
      transport_->Send(EncodeConfig(
          f->codec != video::Codec::kJpeg ? WireCodec::kH264 : WireCodec::kJpeg, f->width,
          f->height, f->codec_string));
    }
    transport_->SendShared(f->wire ? f->wire : Serialize(*f));
    frames_sent_++;
  }
}

video::ChannelStats ViewerSession::video_stats() const {
  std::lock_guard lock(pump_mu_);
  return channel_ ? channel_->stats() : video::ChannelStats{};
}

Result<void> ViewerSession::CheckPoint(int x, int y) const {
  int w = screen_w_, h = screen_h_;
  if (x >= w || y >= h)
    return Error(ErrorCode::kInvalidArgument,
                 "coordinates " + std::to_string(x) + "," + std::to_string(y) +
                     " outside the " + std::to_string(w) + "x" + std::to_string(h) + " screen");
  return Ok();
}

void ViewerSession::OnMessage(std::span<const uint8_t> data) {
  if (closed_) return;
  auto msg = ParseClientMessage(data);
  if (!msg.ok()) return Fail(msg.error().message());
  if (!channel_ && !std::holds_alternative<HelloMsg>(*msg) &&
      !std::holds_alternative<AudioMsg>(*msg))
    return Fail("expected hello first");
  auto r = Handle(*msg);
  if (r.ok()) return;
  if (r.error().code() == ErrorCode::kInvalidArgument) return Fail(r.error().message());
  // Not in control, or the sink failed (guest gone): the viewer stays.
  if (r.error().code() != ErrorCode::kPermissionDenied) {
    VMI_ILOG(WARN, options_.tag) << "viewer " << viewer_id_ << ": " << r.error().ToString();
  }
}

Result<void> ViewerSession::Handle(const ClientMessage& m) {
  using input::InputSink;
  if (auto* hello = std::get_if<HelloMsg>(&m)) {
    if (channel_) return Error(ErrorCode::kInvalidArgument, "hello sent twice");
    auto codec = !(hello->codecs & kCodecMaskH264)    ? video::Codec::kJpeg
                 : (hello->codecs & kCodecMaskPreview) ? video::Codec::kH264Preview
                                                       : video::Codec::kH264;
    std::weak_ptr<ViewerSession> weak = weak_from_this();
    regions_ = (hello->codecs & kCodecMaskRegions) != 0;
    channel_ = pipeline_->AddViewer(
        codec,
        [weak] {
          if (auto self = weak.lock()) self->Pump();
        },
        regions_);
    SendControlState();
    return Ok();
  }
  // Microphone audio may come before HELLO (no channel yet).
  if (auto* a = std::get_if<AudioMsg>(&m)) {
    if (options_.on_audio) options_.on_audio(a->data);
    return Ok();
  }
  if (auto* pv = std::get_if<PreviewMsg>(&m)) {
    auto want = pv->on ? video::Codec::kH264Preview : video::Codec::kH264;
    if (channel_->codec() == video::Codec::kJpeg || channel_->codec() == want) return Ok();
    // A new channel of the other stream; it starts with a keyframe, and the
    // pump sends its CONFIG (the size differs) before it.
    std::weak_ptr<ViewerSession> weak = weak_from_this();
    auto next = pipeline_->AddViewer(
        want,
        [weak] {
          if (auto self = weak.lock()) self->Pump();
        },
        regions_);
    std::shared_ptr<video::ViewerChannel> old;
    {
      std::lock_guard lock(pump_mu_);
      old = std::exchange(channel_, next);
    }
    pipeline_->RemoveViewer(old);
    return Ok();
  }
  // A preview is not the guest's pixel grid: its viewer points at nothing.
  if (channel_->codec() == video::Codec::kH264Preview &&
      (std::holds_alternative<PointerMsg>(m) || std::holds_alternative<TouchMsg>(m)))
    return Ok();
  if (auto* p = std::get_if<PointerMsg>(&m)) {
    if (screen_w_ == 0) return Ok();  // no picture yet: nothing to point at
    VMI_CHECK_OK(CheckPoint(p->x, p->y), "pointer");
    input::PointerEvent e{p->x, p->y, p->buttons};
    return arbiter_->Deliver(viewer_id_, [&](InputSink& s) { return s.Pointer(e); });
  }
  if (auto* t = std::get_if<TouchMsg>(&m)) {
    if (screen_w_ == 0) return Ok();
    VMI_CHECK_OK(CheckPoint(t->x, t->y), "touch");
    input::TouchEvent e{t->finger, static_cast<input::TouchAction>(t->action), t->x, t->y};
    return arbiter_->Deliver(viewer_id_, [&](InputSink& s) { return s.Touch(e); });
  }
  if (auto* k = std::get_if<KeyMsg>(&m)) {
    input::KeyEvent e{k->keysym, k->down};
    return arbiter_->Deliver(viewer_id_, [&](InputSink& s) { return s.Key(e); });
  }
  if (auto* t = std::get_if<TextMsg>(&m)) {
    return arbiter_->Deliver(viewer_id_, [&](InputSink& s) { return s.Text(t->utf8); });
  }
  if (auto* c = std::get_if<CommandMsg>(&m)) {
    // Commands act on the instance like input: only the controller. Home and
    // Back are key presses through the controller's own input path (the
    // InputRouter as this viewer); the host decides what Rotate does.
    if (c->command == Command::kRotate) {
      if (!options_.command)
        return Error(ErrorCode::kUnimplemented, "rotation is not available for this instance");
      return arbiter_->Deliver(viewer_id_,
                               [&](InputSink&) { return options_.command(c->command); });
    }
    uint32_t sym = c->command == Command::kHome ? kXF86HomePage : kXF86Back;
    return arbiter_->Deliver(viewer_id_, [&](InputSink& s) -> Result<void> {
      VMI_CHECK_OK(s.Key({sym, true}), "command key down");
      return s.Key({sym, false});
    });
  }
  if (auto* c = std::get_if<ControlMsg>(&m)) {
    if (c->op == ControlOp::kRequest) {
      arbiter_->Request(viewer_id_);
    } else {
      arbiter_->Release(viewer_id_);
    }
    return Ok();
  }
  if (std::holds_alternative<FrameAckMsg>(m)) {
    // A presented frame makes room in flight: send what waits, or let the
    // pipeline encode the newest picture for this viewer now.
    if (channel_->Acked()) {
      Pump();
    } else {
      pipeline_->Wake();
    }
    return Ok();
  }
  if (std::holds_alternative<KeyframeRequestMsg>(m)) {
    int64_t now = MonotonicMicros();
    // Rate-limited: a client stuck in a decode-error loop must not turn the
    // stream into all-keyframes.
    if (now - last_keyframe_request_us_ < options_.min_keyframe_interval_us) return Ok();
    last_keyframe_request_us_ = now;
    channel_->RequestKeyframe();
    pipeline_->Wake();
    return Ok();
  }
  return Ok();
}

}  // namespace vmi::web
