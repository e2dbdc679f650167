#include "devices/display/screen_keeper.h"

#include <algorithm>

#include "base/log.h"
#include "devices/display/screen_size.h"

namespace vmi::display {

const char* OrientationName(Orientation o) {
  return o == Orientation::kPortrait ? "portrait" : "landscape";
}

Result<Orientation> ParseOrientation(const std::string& s) {
  if (s == "portrait") return Orientation::kPortrait;
  if (s == "landscape") return Orientation::kLandscape;
  return Error(ErrorCode::kInvalidArgument,
               "orientation must be \"portrait\" or \"landscape\", not \"" + s + "\"");
}

ScreenSize SizeFor(ScreenSize natural, Orientation o) {
  int narrow = std::min(natural.width, natural.height);
  int wide = std::max(natural.width, natural.height);
  return o == Orientation::kPortrait ? ScreenSize{narrow, wide} : ScreenSize{wide, narrow};
}

namespace {

Orientation NaturalOrientation(ScreenSize s) {
  return s.width > s.height ? Orientation::kLandscape : Orientation::kPortrait;
}

std::string Str(ScreenSize s) { return std::to_string(s.width) + "x" + std::to_string(s.height); }

}  // namespace

ScreenKeeper::ScreenKeeper(std::string x_socket, ScreenSize natural,
                           surface::SurfaceServer* surface, std::string tag)
    : x_socket_(std::move(x_socket)),
      natural_(natural),
      tag_(std::move(tag)),
      surface_(surface),
      orientation_(NaturalOrientation(natural)) {}

ScreenKeeper::~ScreenKeeper() = default;

Orientation ScreenKeeper::orientation() const {
  std::lock_guard lock(mu_);
  return orientation_;
}

ScreenSize ScreenKeeper::size() const {
  std::lock_guard lock(mu_);
  return SizeFor(natural_, orientation_);
}

void ScreenKeeper::Detach() {
  std::lock_guard lock(mu_);
  surface_ = nullptr;
  x_.reset();
}

display::XConnection* ScreenKeeper::X() {
  if (x_ && !x_->alive()) x_.reset();
  if (!x_) {
    auto now = std::chrono::steady_clock::now();
    if (now < next_attempt_) return nullptr;
    next_attempt_ = now + std::chrono::seconds(1);
    auto c = display::XConnection::Connect(x_socket_);
    if (!c.ok()) return nullptr;
    x_ = std::move(*c);
    warned_ = false;
    if (!adopted_) {
      // A daemon restarted under a running instance: keep the orientation
      // the guest already has rather than turning it back.
      adopted_ = true;
      for (Orientation o : {Orientation::kPortrait, Orientation::kLandscape}) {
        ScreenSize s = SizeFor(natural_, o);
        if (x_->width() == s.width && x_->height() == s.height) orientation_ = o;
      }
    }
  }
  if (!x_->PollEvents()) {
    x_.reset();
    return nullptr;
  }
  return x_.get();
}

Result<void> ScreenKeeper::ApplyX(ScreenSize s) {
  display::XConnection* x = X();
  if (!x) return Error(ErrorCode::kUnavailable, "the guest X server is not running");
  if (x->width() == s.width && x->height() == s.height) return Ok();
  auto max = VMI_TRY(display::MaxScreenSize(*x));
  if (s.width > max.first || s.height > max.second) {
    return Error(ErrorCode::kFailedPrecondition,
                 "the guest X server's framebuffer is " + std::to_string(max.first) + "x" +
                     std::to_string(max.second) + ", too small for " + Str(s) +
                     ": rotation needs Xvfb started with a square screen (see "
                     "devices/display/screen_size.h)");
  }
  VMI_CHECK_OK(display::SetScreenSize(*x, s.width, s.height), "set screen size " + Str(s));
  VMI_ILOG(INFO, tag_) << "screen " << Str(s);
  return Ok();
}

Result<ScreenSize> ScreenKeeper::SetOrientation(Orientation o) {
  std::lock_guard lock(mu_);
  ScreenSize s = SizeFor(natural_, o);
  bool surface_guest = surface_ && surface_->stats().presents > 0;
  // Let a failed reconnect be retried at once: the user is waiting.
  if (!x_) next_attempt_ = {};
  auto x = ApplyX(s);
  if (!x.ok() && !surface_guest) return std::move(x).error().Context("rotate");
  if (surface_) {
    int rotation = o == NaturalOrientation(natural_) ? 0 : 90;
    VMI_CHECK_OK(surface_->SetDisplaySize(s.width, s.height, rotation), "rotate surface guest");
  }
  orientation_ = o;
  return s;
}

void ScreenKeeper::Tick() {
  std::lock_guard lock(mu_);
  display::XConnection* x = X();  // may adopt the orientation
  ScreenSize s = SizeFor(natural_, orientation_);
  if (!x || (x->width() == s.width && x->height() == s.height)) return;
  auto r = ApplyX(s);
  if (!r.ok() && !warned_) {
    // Expected with a framebuffer of the natural size: say it once.
    warned_ = true;
    if (r.error().code() != ErrorCode::kFailedPrecondition)
      VMI_ILOG(WARN, tag_) << "keeping the screen at " << Str(s) << ": " << r.error().ToString();
  }
}

}  // namespace vmi::display
