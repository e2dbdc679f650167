#include "node/live/instance_live.h"

#include <algorithm>

#include "base/log.h"
#include "devices/display/png.h"

namespace vmi::node::live {
namespace {

constexpr uint32_t kXF86HomePage = 0x1008ff18;
constexpr uint32_t kXF86Back = 0x1008ff26;

}  // namespace

// Declaration order is destruction order reversed: consumers of a source
// go before the source, the VNC server and the pipeline before their views.
struct InstanceLive::Devices {
  std::unique_ptr<display::XwdFrameSource> xwd;
  std::unique_ptr<display::FrameHub> hub;
  std::unique_ptr<InputSwitch> input;
  std::unique_ptr<RouterInputSink> web_input;
  std::unique_ptr<display::FrameSource> video_view;
  std::unique_ptr<display::FrameSource> vnc_view;
  std::unique_ptr<web::LiveView> view;
  web::ViewerSessionOptions session_options;  // as given to `view`
  std::unique_ptr<vnc::VncServer> vnc;
};

std::shared_ptr<InstanceLive> InstanceLive::Start(const InstanceRecord& record, std::string devdir,
                                                  std::shared_ptr<input::InputRouter> router,
                                                  const LiveOptions& options,
                                                  std::shared_ptr<audio::AudioHost> audio) {
  const std::string& id = record.spec.id;
  std::unique_ptr<surface::SurfaceServer> surface;
  if (options.surface) {
    auto s = surface::SurfaceServer::Start({.socket_path = devdir + "/surface.sock",
                                            .instance = id,
                                            .width = record.spec.width,
                                            .height = record.spec.height,
                                            .dpi = record.spec.dpi});
    if (s.ok()) {
      surface = std::move(*s);
    } else {
      VMI_ILOG(WARN, id) << "no surface server: " << s.error().ToString();
    }
  }
  audio::AudioDevice* sound = nullptr;
  if (audio) {
    auto d = audio->Add(id, devdir);
    if (d.ok()) {
      sound = *d;
    } else {
      VMI_ILOG(WARN, id) << "no sound card: " << d.error().ToString();
    }
  }
  return std::shared_ptr<InstanceLive>(new InstanceLive(
      record, std::move(devdir), std::move(router), options, std::move(surface), audio, sound));
}

InstanceLive::InstanceLive(const InstanceRecord& record, std::string devdir,
                           std::shared_ptr<input::InputRouter> router, const LiveOptions& options,
                           std::unique_ptr<surface::SurfaceServer> surface,
                           std::shared_ptr<audio::AudioHost> audio_host, audio::AudioDevice* audio)
    : id_(record.spec.id),
      devdir_(std::move(devdir)),
      vnc_password_(record.vnc_password),
      router_(std::move(router)),
      options_(options),
      surface_(std::move(surface)),
      keeper_(devdir_ + "/x11/X0", {record.spec.width, record.spec.height}, surface_.get(), id_),
      audio_host_(std::move(audio_host)),
      audio_(audio) {}

InstanceLive::~InstanceLive() {
  Shutdown();
  // Devices go now: no connection holds this object any more, so no
  // session uses the LiveView.
}

Result<void> InstanceLive::EnsureDevices() {
  std::lock_guard lock(mu_);
  if (down_) return Error(ErrorCode::kFailedPrecondition, "instance " + id_ + " is not running");
  if (devices_) return Ok();

  auto d = std::make_unique<Devices>();
  display::XwdSourceOptions xo;
  xo.fb_path = devdir_ + "/Xvfb_screen0";
  xo.x_socket = devdir_ + "/x11/X0";
  d->xwd = std::make_unique<display::XwdFrameSource>(xo);
  surface::SurfaceServer* surface = surface_.get();
  display::FrameSource* xwd = d->xwd.get();
  // A surface guest that presented shows instead of the X framebuffer (an
  // image runs one or the other).
  d->hub = std::make_unique<display::FrameHub>([surface, xwd]() -> display::FrameSource* {
    if (surface && surface->stats().presents > 0) return surface;
    return xwd;
  });
  d->input = std::make_unique<InputSwitch>(devdir_ + "/x11/X0", surface);
  VMI_CHECK_OK(router_->AddInstance(id_, d->input.get()), "live view of " + id_);
  d->web_input = std::make_unique<RouterInputSink>(router_.get(), id_);
  d->video_view = d->hub->NewView();
  d->vnc_view = d->hub->NewView();

  web::LiveViewOptions lo;
  lo.pipeline.fps = options_.fps;
  lo.pipeline.tag = id_;
  lo.session.tag = id_;
  // Browser viewers are viewers of the node's InputRouter (one notion of
  // control with VNC clients; stream/web/control_arbiter.h).
  lo.router = router_.get();
  lo.instance = id_;
  // Runs inside the arbiter's delivery (only the controlling viewer's
  // commands arrive); the object outlives every session.
  lo.session.command = [this](web::Command c) { return Command(c); };
  d->session_options = lo.session;
  d->view = std::make_unique<web::LiveView>(d->video_view.get(), d->web_input.get(), lo);

  display::ScreenSize size = keeper_.size();
  vnc::VncOptions vo;
  vo.instance = id_;
  vo.bind_address = options_.vnc_bind;
  vo.port = 0;
  vo.password = vnc_password_;
  vo.source = d->vnc_view.get();
  vo.fps = options_.vnc_fps;
  vo.router = router_.get();
  vo.initial_width = size.width;
  vo.initial_height = size.height;
  auto vnc = vnc::VncServer::Start(vo);
  if (vnc.ok()) {
    d->vnc = std::move(*vnc);
    VMI_ILOG(INFO, id_) << "VNC on " << options_.vnc_bind << ":" << d->vnc->port();
  } else {
    VMI_ILOG(WARN, id_) << "no VNC server: " << vnc.error().ToString();
  }
  devices_ = std::move(d);
  return Ok();
}

Result<void> InstanceLive::Command(web::Command c) {
  if (c == web::Command::kRotate) {
    auto r = ToggleOrientation();
    if (!r.ok()) {
      // Not the viewer's fault: keep it connected.
      if (r.error().code() == ErrorCode::kInvalidArgument)
        return Error(ErrorCode::kFailedPrecondition, r.error().ToString());
      return std::move(r).error();
    }
    return Ok();
  }
  uint32_t sym = c == web::Command::kHome ? kXF86HomePage : kXF86Back;
  RouterInputSink* sink;
  {
    std::lock_guard lock(mu_);
    if (!devices_) return Error(ErrorCode::kFailedPrecondition, "no devices");
    sink = devices_->web_input.get();
  }
  VMI_CHECK_OK(sink->Key({sym, true}), "command key down");
  return sink->Key({sym, false});
}

Result<void> InstanceLive::Connect(const std::shared_ptr<ViewerLink>& link) {
  VMI_CHECK_OK(EnsureDevices(), "");
  std::lock_guard lock(mu_);
  if (down_) return Error(ErrorCode::kFailedPrecondition, "instance " + id_ + " is not running");
  // The session is made here rather than by LiveView::Connect so that its
  // on_audio reaches this viewer's own ViewerAudio.
  web::LiveView* view = devices_->view.get();
  auto sound = std::make_shared<ViewerAudio>(&view->arbiter());
  web::ViewerSessionOptions so = devices_->session_options;
  so.on_audio = [sound](std::span<const uint8_t> m) { sound->OnClientMessage(m); };
  link->session = web::ViewerSession::Create(link->transport.get(), &view->pipeline(),
                                             &view->arbiter(), std::move(so));
  if (link->sound) sound->Attach(audio_, link->session);
  link->audio = std::move(sound);
  std::erase_if(links_, [](const std::weak_ptr<ViewerLink>& w) { return w.expired(); });
  links_.push_back(link);
  return Ok();
}

void InstanceLive::Disconnect(const ViewerLink* link) {
  // Its sound first: afterwards nothing on the audio thread holds the
  // session, so the connection's release of it is the last.
  if (link->audio) link->audio->Detach();
  RouterInputSink* release = nullptr;
  {
    std::lock_guard lock(mu_);
    std::erase_if(links_, [link](const std::weak_ptr<ViewerLink>& w) {
      auto l = w.lock();
      return !l || l.get() == link;
    });
    if (links_.empty() && devices_ && !down_) release = devices_->web_input.get();
  }
  // The last browser viewer left: let a VNC client take control.
  if (release) release->ReleaseControl();
}

InstanceLive::Stats InstanceLive::stats() const {
  Stats s;
  s.viewers = viewer_count();
  std::lock_guard lock(mu_);
  if (devices_ && devices_->view) {
    s.has_video = true;
    s.video = devices_->view->pipeline().stats();
  }
  return s;
}

size_t InstanceLive::viewer_count() const {
  std::lock_guard lock(mu_);
  return std::count_if(links_.begin(), links_.end(),
                       [](const std::weak_ptr<ViewerLink>& w) { return !w.expired(); });
}

bool InstanceLive::has_audio() const {
  std::lock_guard lock(mu_);
  return audio_ != nullptr;
}

bool InstanceLive::has_devices() const {
  std::lock_guard lock(mu_);
  return devices_ != nullptr;
}

Result<video::EncodedImage> InstanceLive::Screenshot(const video::ScreenshotOptions& options) {
  VMI_CHECK_OK(EnsureDevices(), "");
  display::FrameHub* hub;
  {
    std::lock_guard lock(mu_);
    hub = devices_->hub.get();
  }
  // A view of its own, for this one capture: its first capture is a full
  // copy of the current picture, and no memory stays behind.
  auto view = hub->NewView();
  auto frame = VMI_TRY_CTX(view->Capture(), "screenshot of " + id_);
  return video::EncodeScreenshot(frame, options);
}

Result<display::ScreenSize> InstanceLive::Rotate(display::Orientation o) {
  {
    std::lock_guard lock(mu_);
    if (down_) return Error(ErrorCode::kFailedPrecondition, "instance " + id_ + " is not running");
  }
  return keeper_.SetOrientation(o);
}

Result<display::ScreenSize> InstanceLive::ToggleOrientation() {
  return Rotate(keeper_.orientation() == display::Orientation::kPortrait ? display::Orientation::kLandscape
                                                                : display::Orientation::kPortrait);
}

Result<VncEndpoint> InstanceLive::Vnc() {
  VMI_CHECK_OK(EnsureDevices(), "");
  std::lock_guard lock(mu_);
  if (!devices_->vnc)
    return Error(ErrorCode::kUnavailable, "the VNC server of " + id_ + " did not start");
  return VncEndpoint{options_.vnc_bind, devices_->vnc->port(), devices_->vnc->password()};
}

void InstanceLive::Shutdown() {
  std::vector<std::weak_ptr<ViewerLink>> links;
  std::unique_ptr<vnc::VncServer> vnc;
  Devices* d = nullptr;
  bool had_audio = false;
  {
    std::lock_guard lock(mu_);
    if (down_) return;
    down_ = true;
    had_audio = audio_ != nullptr;
    audio_ = nullptr;
    links.swap(links_);
    d = devices_.get();
    if (d) vnc = std::move(d->vnc);
  }
  for (auto& w : links) {
    if (auto l = w.lock()) {
      l->transport->Close(1001, "instance stopped");
      if (l->audio) l->audio->Detach();
    }
  }
  // No viewer uses the device any more: remove it (guest programs that
  // still play see -ENODEV; audio.sock is unlinked, so a restarted instance
  // gets a fresh device).
  if (had_audio) audio_host_->Remove(id_);
  vnc.reset();  // joins its threads; no VNC input or capture after this
  if (d) {
    d->web_input->Detach();
    router_->RemoveInstance(id_);  // waits for input in flight
    d->input->Detach();
    d->hub->Detach();  // waits for a capture in flight
  }
  keeper_.Detach();
  surface_.reset();  // unlinks <devdir>/surface.sock
}

}  // namespace vmi::node::live
