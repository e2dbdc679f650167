// FrameState: what the display shows, in the guest surface protocol's terms.
//
// It holds the latest presented buffer ("front"), the buffer lent to the
// consumer by the last Capture() ("lent"), the damage accumulated between
// captures, and the one present still waiting for its FrameDone. It decides
// when a buffer is released back to the guest and when a frame is done:
//
//   - Present(B) replaces the front. A present still waiting for FrameDone is
//     done at once with kFrameDropped. The old front is released unless the
//     consumer still holds it.
//   - Capture() lends the front to the consumer, releases the buffer lent
//     before (unless it is the front), and completes the pending present
//     with kFrameDisplayed.
//   - CompleteIdle() completes the pending present with no flag, for the
//     server's timer when no consumer captures at all.
//
// A buffer is thus busy from its Present until its Release, and the pixels a
// Capture() returns are never released before the next Capture().
//
// Not thread-safe: the server calls it under its mutex from the loop thread
// and the capture thread. It does no I/O; what the guest must be told comes
// out as Notices.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "devices/display/frame_source.h"
#include "devices/surface/protocol.h"
#include "devices/surface/shm_buffer.h"

namespace vmi::surface {

struct BufferRef {
  // shared_ptr: the connection's buffer table and this state (front, lent)
  // both keep a mapping alive; the capture thread may still read one that
  // the guest removed or that belonged to a guest that disconnected.
  std::shared_ptr<const ShmBuffer> mem;
  uint64_t generation = 0;  // the connection that added it
  uint64_t key = 0;         // unique per added buffer, never reused
  uint32_t id = 0;          // the guest's id
};

// Something to tell the guest of connection `generation`.
struct Notice {
  uint64_t generation = 0;
  uint64_t buffer_key = 0;  // for releases: which buffer, since ids are reused
  std::variant<FrameDone, Release> message;
};

class FrameState {
 public:
  static constexpr size_t kMaxAccumulatedRects = 32;

  FrameState(int width, int height) : width_(width), height_(height) {}

  // The size of the picture shown before any guest presented (black).
  void SetDisplaySize(int width, int height);

  // `damage` is in buffer pixels, already checked to lie inside the buffer;
  // empty means the whole buffer.
  void Present(BufferRef buffer, uint32_t serial, const std::vector<display::Rect>& damage,
               int64_t now_us, std::vector<Notice>* out);
  // Completes the pending present if it is (generation, serial).
  void CompleteIdle(uint64_t generation, uint32_t serial, int64_t now_us, std::vector<Notice>* out);
  // The guest of `generation` is gone: nothing more is owed to it. The
  // picture it presented stays on screen.
  void ForgetGeneration(uint64_t generation);

  display::FrameView Capture(int64_t now_us, std::vector<Notice>* out);

  uint64_t presents() const { return presents_; }

 private:
  struct Pending {
    uint64_t generation;
    uint32_t serial;
  };
  void ReleaseIfUnused(const BufferRef& b, std::vector<Notice>* out) const;
  void AddDamage(const display::Rect& r);

  int width_, height_;
  std::optional<BufferRef> front_;
  std::optional<BufferRef> lent_;
  std::optional<Pending> pending_;
  bool front_dirty_ = false;  // presented since the last capture
  std::vector<display::Rect> damage_;
  bool full_damage_ = true;
  bool collapsed_ = false;
  bool captured_once_ = false;
  int last_width_ = 0, last_height_ = 0;
  std::vector<uint8_t> black_;
  uint64_t sequence_ = 0;
  uint64_t presents_ = 0;
};

}  // namespace vmi::surface
