#include "devices/display/frame_hub.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "base/log.h"
#include "base/unique_fd.h"

namespace vmi::display {

using display::FrameView;
using display::Rect;

class FrameHub::View : public display::FrameSource {
 public:
  explicit View(FrameHub* hub)
      : hub_(hub),
        epoll_(epoll_create1(EPOLL_CLOEXEC)),
        event_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    if (!epoll_ || !event_ || epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, event_.get(), &ev) != 0) {
      // Without them the consumer polls at its pacing rate: slower, correct.
      VMI_LOG(WARN) << "frame hub view without wait fd: " << std::strerror(errno);
      epoll_.reset();
    }
  }
  ~View() override {
    std::lock_guard lock(hub_->mu_);
    std::erase(hub_->views_, this);
  }

  Result<FrameView> Capture() override { return hub_->CaptureFor(*this); }
  int wait_fd() const override { return epoll_ && watched_ >= 0 ? epoll_.get() : -1; }

 private:
  friend class FrameHub;

  // Another view's capture left damage for this one: wake its consumer.
  void Signal() {
    uint64_t one = 1;
    if (event_) (void)!write(event_.get(), &one, sizeof one);
  }
  void Drain() {
    uint64_t n;
    if (event_) (void)!read(event_.get(), &n, sizeof n);
  }
  // Follows the source's wait fd (on the view's own thread, after a capture).
  // ADD is repeated on every capture: a closed fd leaves the epoll set by
  // itself, and its number may come back for the source's next connection.
  void Watch(int fd) {
    if (!epoll_) return;
    if (watched_ >= 0 && watched_ != fd) {
      (void)epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, watched_, nullptr);
    }
    watched_ = fd;
    if (fd < 0) return;
    epoll_event ev{};
    ev.events = EPOLLIN;
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0 && errno != EEXIST) {
      VMI_LOG(WARN) << "frame hub: cannot watch the source's fd: " << std::strerror(errno);
      watched_ = -1;
    }
  }

  FrameHub* const hub_;
  UniqueFd epoll_;  // event_ + the source's wait fd
  UniqueFd event_;
  int watched_ = -1;  // the source fd in epoll_ (view's thread only)
  // Guarded by the hub's lock.
  std::vector<Rect> pending_;
  bool full_ = true;  // report (and copy) the whole screen next time
  // The view's own picture (BGRX, stride width*4); only its consumer reads it.
  std::vector<uint8_t> pixels_;
  int width_ = 0, height_ = 0;
  uint64_t sequence_ = 0;
};

namespace {

Rect Clip(const Rect& r, int w, int h) {
  int x0 = std::clamp(r.x, 0, w), y0 = std::clamp(r.y, 0, h);
  int x1 = std::clamp(r.x + r.w, 0, w), y1 = std::clamp(r.y + r.h, 0, h);
  return {x0, y0, x1 - x0, y1 - y0};
}

Rect Bounds(const std::vector<Rect>& rects) {
  int x0 = INT32_MAX, y0 = INT32_MAX, x1 = INT32_MIN, y1 = INT32_MIN;
  for (const auto& r : rects) {
    x0 = std::min(x0, r.x);
    y0 = std::min(y0, r.y);
    x1 = std::max(x1, r.x + r.w);
    y1 = std::max(y1, r.y + r.h);
  }
  return {x0, y0, x1 - x0, y1 - y0};
}

void CopyRect(const FrameView& from, std::vector<uint8_t>& to, const Rect& r) {
  const size_t to_stride = static_cast<size_t>(from.width) * 4;
  for (int y = r.y; y < r.y + r.h; ++y) {
    std::memcpy(to.data() + y * to_stride + static_cast<size_t>(r.x) * 4,
                from.pixels + static_cast<size_t>(y) * from.stride + static_cast<size_t>(r.x) * 4,
                static_cast<size_t>(r.w) * 4);
  }
}

}  // namespace

FrameHub::FrameHub(Selector select) : select_(std::move(select)) {}

FrameHub::~FrameHub() = default;

std::unique_ptr<display::FrameSource> FrameHub::NewView() {
  auto v = std::make_unique<View>(this);
  std::lock_guard lock(mu_);
  views_.push_back(v.get());
  return v;
}

void FrameHub::Detach() {
  std::lock_guard lock(mu_);
  select_ = nullptr;
  last_source_ = nullptr;
}

Result<FrameView> FrameHub::CaptureFor(View& self) {
  std::lock_guard lock(mu_);
  self.Drain();
  display::FrameSource* source = select_ ? select_() : nullptr;
  if (!source) {
    self.Watch(-1);
    return Error(ErrorCode::kUnavailable, "no display source");
  }
  if (source != last_source_) {
    for (View* v : views_) {
      if (v != &self && !v->full_ && v->pending_.empty()) v->Signal();
      v->full_ = true;
    }
    last_source_ = source;
  }
  auto captured = source->Capture();
  self.Watch(source->wait_fd());
  if (!captured.ok()) return std::move(captured).error();
  const FrameView& f = *captured;
  if (f.width <= 0 || f.height <= 0 || !f.pixels || f.stride < f.width * 4)
    return Error(ErrorCode::kInternal, "display source returned an inconsistent frame");

  for (View* v : views_) {
    const bool had = v->full_ || !v->pending_.empty();
    if (!v->full_) {
      if (v->width_ != f.width || v->height_ != f.height) {
        v->full_ = true;
      } else {
        for (const Rect& r : f.damage) {
          Rect c = Clip(r, f.width, f.height);
          if (c.w > 0 && c.h > 0) v->pending_.push_back(c);
        }
        if (v->pending_.size() > kMaxPendingRects) {
          Rect b = Bounds(v->pending_);
          v->pending_.assign(1, b);
        }
      }
    }
    // Wake the others once per batch of pending damage (their own capture
    // drains it).
    if (v != &self && !had && (v->full_ || !v->pending_.empty())) v->Signal();
  }

  FrameView out;
  if (self.full_) {
    self.width_ = f.width;
    self.height_ = f.height;
    self.pixels_.resize(static_cast<size_t>(f.width) * f.height * 4);
    Rect all{0, 0, f.width, f.height};
    CopyRect(f, self.pixels_, all);
    out.damage.push_back(all);
    self.full_ = false;
  } else {
    for (const Rect& r : self.pending_) CopyRect(f, self.pixels_, r);
    out.damage = std::move(self.pending_);
  }
  self.pending_.clear();
  if (!out.damage.empty()) self.sequence_++;
  out.pixels = self.pixels_.data();
  out.width = self.width_;
  out.height = self.height_;
  out.stride = self.width_ * 4;
  out.sequence = self.sequence_;
  out.capture_time_us = f.capture_time_us;
  return out;
}

}  // namespace vmi::display
