#include "node/live/frame_hub.h"

#include <algorithm>
#include <cstring>

namespace vmi::node::live {

using display::FrameView;
using display::Rect;

class FrameHub::View : public display::FrameSource {
 public:
  explicit View(FrameHub* hub) : hub_(hub) {}
  ~View() override {
    std::lock_guard lock(hub_->mu_);
    std::erase(hub_->views_, this);
  }

  Result<FrameView> Capture() override { return hub_->CaptureFor(*this); }

 private:
  friend class FrameHub;

  FrameHub* const hub_;
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
  display::FrameSource* source = select_ ? select_() : nullptr;
  if (!source) return Error(ErrorCode::kUnavailable, "no display source");
  if (source != last_source_) {
    for (View* v : views_) v->full_ = true;
    last_source_ = source;
  }
  auto captured = source->Capture();
  if (!captured.ok()) return std::move(captured).error();
  const FrameView& f = *captured;
  if (f.width <= 0 || f.height <= 0 || !f.pixels || f.stride < f.width * 4)
    return Error(ErrorCode::kInternal, "display source returned an inconsistent frame");

  for (View* v : views_) {
    if (v->full_) continue;
    if (v->width_ != f.width || v->height_ != f.height) {
      v->full_ = true;
      continue;
    }
    for (const Rect& r : f.damage) {
      Rect c = Clip(r, f.width, f.height);
      if (c.w > 0 && c.h > 0) v->pending_.push_back(c);
    }
    if (v->pending_.size() > kMaxPendingRects) {
      Rect b = Bounds(v->pending_);
      v->pending_.assign(1, b);
    }
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

}  // namespace vmi::node::live
