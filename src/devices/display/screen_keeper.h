// ScreenKeeper: owns the screen size of one running instance: portrait or
// landscape, for the X server (RandR, from the host) and for a surface
// guest (DisplayInfo).
//
// The instance's natural size is the one it was created with (e.g.
// 720x1280); portrait is the narrow side across, landscape the wide one.
// Xvfb cannot grow its framebuffer, so landscape needs a guest X server
// started with a square screen (see devices/display/screen_size.h); the
// keeper then also sets the *initial* size inside that square, and puts the
// chosen orientation back after Xvfb restarts (Tick()). On its first
// connection it adopts the orientation the X screen already has (a daemon
// restarted under a running instance). With a framebuffer
// of the natural size only, SetOrientation(landscape) fails with
// kFailedPrecondition and says why.
//
// Threads: all methods are thread-safe (one lock; X calls happen under it).
// Ownership: owns its X connection; borrows the surface server (may be
// null) until Detach().
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "base/result.h"
#include "devices/display/x_connection.h"
#include "devices/surface/surface_server.h"

namespace vmi::display {

enum class Orientation { kPortrait, kLandscape };
const char* OrientationName(Orientation o);
Result<Orientation> ParseOrientation(const std::string& s);

struct ScreenSize {
  int width = 0;
  int height = 0;
};

// The size of `natural` (either orientation) in orientation `o`.
ScreenSize SizeFor(ScreenSize natural, Orientation o);

class ScreenKeeper {
 public:
  ScreenKeeper(std::string x_socket, ScreenSize natural, surface::SurfaceServer* surface,
               std::string tag);
  ~ScreenKeeper();

  // Switches the guest screen; returns the new size. The surface guest (if
  // one is connected) gets the new display info; the X server must accept
  // the size unless a surface guest is what shows. kUnavailable when there is
  // no display to rotate yet.
  Result<ScreenSize> SetOrientation(Orientation o);
  Orientation orientation() const;
  ScreenSize size() const;

  // Re-applies the chosen size to the X server when it differs (initial
  // square screen, Xvfb restarted, a guest client changed it) and fits.
  // Cheap when nothing changed; reconnects at most once a second.
  void Tick();

  void Detach();

 private:
  // Lock held. Connects if needed; null when the server is not there.
  display::XConnection* X();
  // Lock held. Sets the X screen to `s` if it is not already.
  Result<void> ApplyX(ScreenSize s);

  const std::string x_socket_;
  const ScreenSize natural_;
  const std::string tag_;
  mutable std::mutex mu_;
  surface::SurfaceServer* surface_;
  Orientation orientation_;
  std::unique_ptr<display::XConnection> x_;
  std::chrono::steady_clock::time_point next_attempt_{};
  bool warned_ = false;   // logged once that the size does not fit
  bool adopted_ = false;  // the first connection adopted the guest's orientation
};

}  // namespace vmi::display
