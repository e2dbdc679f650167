// Test support: a tiny Xlib client that plays the guest application. It
// opens a full-screen override-redirect window, fills rectangles with known
// colours, reads pixels back the way X reports them (XGetImage) and records
// the input events its window receives.
#pragma once

#include <X11/Xlib.h>

#include <chrono>
#include <memory>
#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace vmi::display::testing {

struct ReceivedEvent {
  int type = 0;  // KeyPress, KeyRelease, ButtonPress, ButtonRelease, MotionNotify
  int x = 0, y = 0;
  unsigned int button = 0;
  unsigned long keysym = 0;  // for key events: keysym under the current modifiers
  unsigned int keycode = 0;
  std::string text;          // for key presses: what XLookupString produced
};

class XTestClient {
 public:
  static Result<std::unique_ptr<XTestClient>> Open(const std::string& display_name);
  ~XTestClient();

  Display* display() { return dpy_; }
  Window window() const { return win_; }
  // Fills a rectangle of the window with a 0xRRGGBB colour and waits until
  // the server has drawn it.
  void Fill(int x, int y, int w, int h, uint32_t rgb);
  // The root window's pixels as 0x00RRGGBB words, row-major.
  std::vector<uint32_t> GetImage(int x, int y, int w, int h);
  // Resizes the window to the current root size (after RandR changes).
  void FitToRoot();
  // Collects input events until `count` are there or `timeout` passes.
  std::vector<ReceivedEvent> WaitEvents(size_t count, std::chrono::milliseconds timeout);

 private:
  XTestClient() = default;
  Display* dpy_ = nullptr;
  Window win_ = 0;
  GC gc_ = nullptr;
  std::vector<ReceivedEvent> events_;
};

}  // namespace vmi::display::testing
