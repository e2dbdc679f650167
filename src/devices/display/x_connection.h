// XConnection: a host-side XCB connection to a guest X server through the
// server's Unix socket in the device directory (<devdir>/x11/X0), without
// DISPLAY or Xauthority (the guest server runs with -ac). Knows the root
// window and follows the screen size through RandR screen-change events.
//
// XCB rather than Xlib: errors come back per connection instead of through
// Xlib's process-wide handlers, which exit the process on a broken
// connection; one daemon process holds connections to many guests.
//
// Safety: the socket path is inside a guest-writable directory. The socket is
// checked with lstat (no symlinks) before connecting; the guest can still
// race that check, at worst making the host speak X11 to another local
// socket. The connect has a 1 s deadline, but XCB's handshake and round trips
// have none: a hostile guest X server can stall the thread that uses this
// connection (that instance's capture or input thread, never another
// instance's), and its replies are sized by the server.
//
// Threads: one thread at a time.
#pragma once

#include <xcb/xcb.h>

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "devices/display/frame_source.h"

namespace vmi::display {

class XConnection {
 public:
  static Result<std::unique_ptr<XConnection>> Connect(const std::string& socket_path);
  ~XConnection();
  XConnection(const XConnection&) = delete;
  XConnection& operator=(const XConnection&) = delete;

  xcb_connection_t* get() const { return conn_; }
  xcb_window_t root() const { return root_; }
  int fd() const { return xcb_get_file_descriptor(conn_); }
  // False once the connection broke (server gone); reconnect then.
  bool alive() const { return xcb_connection_has_error(conn_) == 0; }
  bool has_randr() const { return randr_event_base_ >= 0; }

  // Current screen size, updated by PollEvents() from RandR notifications.
  int width() const { return width_; }
  int height() const { return height_; }

  // Reads pending events without blocking: applies screen-size changes and
  // collects damage boxes. Returns false when the connection is broken.
  // Other events and errors are counted and dropped (errors of unchecked
  // requests land here).
  bool PollEvents();

  // Asks the server (DAMAGE extension) to report drawing on the root window
  // and its children, rectangle by rectangle (RawRectangles level: the
  // BoundingBox level was seen to stop reporting under steady drawing on
  // Xvfb 21.1). kUnavailable without the extension.
  Result<void> EnableDamage();
  bool damage_enabled() const { return damage_ != 0; }
  // Takes the damage reported since the last call: false if there was none
  // (nothing was drawn; the framebuffer is unchanged). Otherwise fills
  // `boxes` (empty when there were too many to list: treat as everything).
  // Every box describes drawing already in the framebuffer; drawing whose
  // report has not arrived yet is returned by a later call.
  bool TakeDamage(std::vector<Rect>* boxes);
  // Re-reads the root geometry with a round trip (after our own RandR change).
  Result<void> RefreshSize();
  uint64_t errors_seen() const { return errors_; }

 private:
  XConnection() = default;

  xcb_connection_t* conn_ = nullptr;
  xcb_window_t root_ = 0;
  int width_ = 0;
  int height_ = 0;
  int randr_event_base_ = -1;
  uint64_t errors_ = 0;
  uint32_t damage_ = 0;  // xcb_damage_damage_t, 0 when not enabled
  int damage_event_base_ = -1;
  bool damaged_ = false;
  bool damage_overflow_ = false;
  std::vector<Rect> damage_boxes_;
};

}  // namespace vmi::display
