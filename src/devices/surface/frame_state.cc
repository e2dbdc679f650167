#include "devices/surface/frame_state.h"

#include <algorithm>

namespace vmi::surface {

void FrameState::SetDisplaySize(int width, int height) {
  width_ = width;
  height_ = height;
}

void FrameState::ReleaseIfUnused(const BufferRef& b, std::vector<Notice>* out) const {
  if (front_ && front_->key == b.key) return;
  if (lent_ && lent_->key == b.key) return;
  out->push_back({b.generation, b.key, Release{b.id}});
}

void FrameState::AddDamage(const display::Rect& r) {
  if (full_damage_) return;
  damage_.push_back(r);
  if (damage_.size() <= kMaxAccumulatedRects && !collapsed_) return;
  // Too many small rectangles cost consumers more than one bounding box.
  int x0 = damage_[0].x, y0 = damage_[0].y, x1 = x0 + damage_[0].w, y1 = y0 + damage_[0].h;
  for (const auto& d : damage_) {
    x0 = std::min(x0, d.x);
    y0 = std::min(y0, d.y);
    x1 = std::max(x1, d.x + d.w);
    y1 = std::max(y1, d.y + d.h);
  }
  damage_.assign(1, {x0, y0, x1 - x0, y1 - y0});
  collapsed_ = true;  // until the next capture, later rects grow the box
}

void FrameState::Present(BufferRef buffer, uint32_t serial,
                         const std::vector<display::Rect>& damage, int64_t now_us,
                         std::vector<Notice>* out) {
  ++presents_;
  if (pending_) {
    out->push_back({pending_->generation, 0,
                    FrameDone{pending_->serial, kFrameDropped, static_cast<uint64_t>(now_us)}});
  }
  pending_ = Pending{buffer.generation, serial};
  std::optional<BufferRef> old = std::move(front_);
  int w = buffer.mem->width(), h = buffer.mem->height();
  // A buffer of another size than the last captured picture (rotation, a
  // new guest) has no common content with it.
  // So has the first frame of a guest (the consumer saw black or another
  // guest's picture, not this guest's previous frame).
  if (w != last_width_ || h != last_height_ || !old || old->generation != buffer.generation)
    full_damage_ = true;
  front_ = std::move(buffer);
  front_dirty_ = true;
  if (damage.empty()) {
    AddDamage({0, 0, w, h});
  } else {
    for (const auto& r : damage) AddDamage(r);
  }
  if (old) ReleaseIfUnused(*old, out);
}

void FrameState::CompleteIdle(uint64_t generation, uint32_t serial, int64_t now_us,
                              std::vector<Notice>* out) {
  if (!pending_ || pending_->generation != generation || pending_->serial != serial) return;
  out->push_back({generation, 0, FrameDone{serial, 0, static_cast<uint64_t>(now_us)}});
  pending_.reset();
}

void FrameState::ForgetGeneration(uint64_t generation) {
  if (pending_ && pending_->generation == generation) pending_.reset();
}

display::FrameView FrameState::Capture(int64_t now_us, std::vector<Notice>* out) {
  display::FrameView v;
  v.capture_time_us = now_us;
  if (front_) {
    if (front_dirty_) {
      std::optional<BufferRef> old = std::move(lent_);
      lent_ = front_;
      front_dirty_ = false;
      if (old) ReleaseIfUnused(*old, out);
      if (pending_) {
        out->push_back(
            {pending_->generation, 0,
             FrameDone{pending_->serial, kFrameDisplayed, static_cast<uint64_t>(now_us)}});
        pending_.reset();
      }
    }
    v.pixels = lent_->mem->pixels();
    v.width = lent_->mem->width();
    v.height = lent_->mem->height();
    v.stride = lent_->mem->stride();
  } else {
    // Nothing presented yet: a black screen of the display's size.
    size_t need = static_cast<size_t>(width_) * height_ * 4;
    if (black_.size() != need) black_.assign(need, 0);
    v.pixels = black_.data();
    v.width = width_;
    v.height = height_;
    v.stride = width_ * 4;
  }
  if (!captured_once_ || v.width != last_width_ || v.height != last_height_ || full_damage_) {
    v.damage.push_back({0, 0, v.width, v.height});
  } else {
    v.damage = damage_;
  }
  captured_once_ = true;
  last_width_ = v.width;
  last_height_ = v.height;
  damage_.clear();
  collapsed_ = false;
  full_damage_ = false;
  if (!v.damage.empty()) ++sequence_;
  v.sequence = sequence_;
  return v;
}

}  // namespace vmi::surface
