// FrameHub: lets several consumers (the video pipeline, the VNC server,
// screenshots) share one display::FrameSource.
//
// A FrameSource has one consumer by contract: it reports damage since *the*
// previous Capture() and its pixels stay valid only until the next one. Two
// consumers capturing the same source would steal each other's damage and
// read pixels the other one is overwriting (or, after a resize, freeing).
// The hub owns the choice of source and hands out consumer views: each view
// is a FrameSource of its own with a private copy of the picture. A view's
// Capture() captures the real source under the hub's lock, adds the damage to
// every view's pending damage, and copies only its own pending rectangles
// into its copy. So each view sees exactly what changed since *its* last
// capture, and its pixels are stable until *its* next capture. Cost: one
// copy of the damaged area per consumer that captures (nothing on a still
// screen) and one picture of memory per view.
//
// The real source is chosen per capture by a selector (X framebuffer, or the
// surface server once a surface guest presented); a change of source, like a
// change of size, makes every view report the whole screen. Detach() drops
// the selector: from then on captures fail with kUnavailable and nothing of
// the old sources is touched again (the instance stopped).
//
// Waking: a source's wait_fd (the X connection, the surface eventfd) is
// drained by one capture, so it cannot be handed to several consumers as is.
// Each view has its own wait_fd instead: an epoll fd watching the source's
// wait_fd (as of the view's last capture) and an eventfd of the view. It is
// readable when the source has something new, or when another view's capture
// left damage pending for this one. A view returns -1 (poll at your pacing
// rate) until it captured once from a source that has a wait_fd, and again
// whenever the selected source has none. The source's fd can change (X
// reconnects, source switch): consumers re-read wait_fd() after every
// Capture() and capture at a slow fallback rate anyway (the pipeline: 5 Hz).
//
// Threads: a view is used by one thread at a time (FrameSource's rule);
// different views, Detach() and the hub may be used from any thread.
// Ownership: views borrow the hub, which must outlive them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "devices/display/frame_source.h"

namespace vmi::display {

class FrameHub {
 public:
  // Returns the source to capture now (called under the hub's lock), or null
  // when there is none yet (kUnavailable).
  using Selector = std::function<display::FrameSource*()>;

  explicit FrameHub(Selector select);
  ~FrameHub();
  FrameHub(const FrameHub&) = delete;
  FrameHub& operator=(const FrameHub&) = delete;

  // A new consumer; its first capture reports the whole screen.
  std::unique_ptr<display::FrameSource> NewView();

  // Forgets the selector; waits for a capture in progress.
  void Detach();

  // Views beyond this many pending rectangles report their bounding box.
  static constexpr size_t kMaxPendingRects = 64;

 private:
  class View;
  Result<display::FrameView> CaptureFor(View& view);

  std::mutex mu_;  // guards everything below and every capture of the source
  Selector select_;
  display::FrameSource* last_source_ = nullptr;
  std::vector<View*> views_;
};

}  // namespace vmi::display
