#include "devices/display/testing/x_test_client.h"

#include <X11/Xutil.h>
#include <poll.h>

#include <memory>

namespace vmi::display::testing {

Result<std::unique_ptr<XTestClient>> XTestClient::Open(const std::string& display_name) {
  std::unique_ptr<XTestClient> c(new XTestClient());
  c->dpy_ = XOpenDisplay(display_name.c_str());
  if (!c->dpy_) return Error(ErrorCode::kUnavailable, "XOpenDisplay " + display_name);
  Display* d = c->dpy_;
  int screen = DefaultScreen(d);
  XSetWindowAttributes attrs{};
  attrs.override_redirect = True;
  attrs.background_pixel = BlackPixel(d, screen);
  attrs.event_mask = KeyPressMask | KeyReleaseMask | ButtonPressMask | ButtonReleaseMask |
                     PointerMotionMask | ExposureMask;
  Window root = RootWindow(d, screen);
  XWindowAttributes ra;
  XGetWindowAttributes(d, root, &ra);
  c->win_ = XCreateWindow(d, root, 0, 0, ra.width, ra.height, 0, CopyFromParent, InputOutput,
                          CopyFromParent, CWOverrideRedirect | CWBackPixel | CWEventMask, &attrs);
  XMapRaised(d, c->win_);
  // Keyboard focus follows the window so key events reach it.
  XSync(d, False);
  XSetInputFocus(d, c->win_, RevertToParent, CurrentTime);
  c->gc_ = XCreateGC(d, c->win_, 0, nullptr);
  XSync(d, False);
  return c;
}

XTestClient::~XTestClient() {
  if (dpy_) {
    if (gc_) XFreeGC(dpy_, gc_);
    XCloseDisplay(dpy_);
  }
}

void XTestClient::Fill(int x, int y, int w, int h, uint32_t rgb) {
  XSetForeground(dpy_, gc_, rgb);
  XFillRectangle(dpy_, win_, gc_, x, y, w, h);
  // A round trip: the server has executed the fill when XSync returns.
  XSync(dpy_, False);
}

std::vector<uint32_t> XTestClient::GetImage(int x, int y, int w, int h) {
  std::vector<uint32_t> out;
  XImage* img = XGetImage(dpy_, DefaultRootWindow(dpy_), x, y, w, h, AllPlanes, ZPixmap);
  if (!img) return out;
  out.reserve(static_cast<size_t>(w) * h);
  for (int j = 0; j < h; ++j) {
    for (int i = 0; i < w; ++i) out.push_back(XGetPixel(img, i, j) & 0xffffff);
  }
  XDestroyImage(img);
  return out;
}

void XTestClient::FitToRoot() {
  XWindowAttributes ra;
  XGetWindowAttributes(dpy_, DefaultRootWindow(dpy_), &ra);
  XMoveResizeWindow(dpy_, win_, 0, 0, ra.width, ra.height);
  XSync(dpy_, False);
}

std::vector<ReceivedEvent> XTestClient::WaitEvents(size_t count,
                                                   std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (events_.size() < count) {
    while (XPending(dpy_) > 0) {
      XEvent ev;
      XNextEvent(dpy_, &ev);
      ReceivedEvent r;
      r.type = ev.type;
      switch (ev.type) {
        case KeyPress:
        case KeyRelease: {
          char buf[64];
          KeySym ks = 0;
          int n = XLookupString(&ev.xkey, buf, sizeof buf, &ks, nullptr);
          r.keysym = ks;
          r.keycode = ev.xkey.keycode;
          if (ev.type == KeyPress && n > 0) r.text.assign(buf, n);
          r.x = ev.xkey.x;
          r.y = ev.xkey.y;
          break;
        }
        case ButtonPress:
        case ButtonRelease:
          r.button = ev.xbutton.button;
          r.x = ev.xbutton.x;
          r.y = ev.xbutton.y;
          break;
        case MotionNotify:
          r.x = ev.xmotion.x;
          r.y = ev.xmotion.y;
          break;
        case MappingNotify:
          XRefreshKeyboardMapping(&ev.xmapping);
          continue;
        default:
          continue;
      }
      events_.push_back(r);
    }
    if (events_.size() >= count) break;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{ConnectionNumber(dpy_), POLLIN, 0};
    poll(&pfd, 1, static_cast<int>(std::min<long>(left.count(), 100)));
  }
  std::vector<ReceivedEvent> out;
  out.swap(events_);
  return out;
}

}  // namespace vmi::display::testing
