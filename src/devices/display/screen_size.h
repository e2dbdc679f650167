// Switching the guest screen between portrait and landscape (or any size up
// to the X server's maximum) with RandR, from the host.
//
// Xvfb's framebuffer keeps the size it was started with; RandR only changes
// the screen (root window) size inside it. So the guest Xvfb is started with
// a square screen whose side is the larger of width and height, e.g.
// `Xvfb :0 -screen 0 1280x1280x24 -fbdir /run/vmi -noreset -ac`, and the
// host sets 720x1280 or 1280x720 inside it. -noreset matters: without it the
// server resets (and forgets the size) whenever its last client disconnects.
//
// Threads: as XConnection.
#pragma once

#include "base/result.h"
#include "devices/display/x_connection.h"

namespace vmi::display {

// Makes the X screen `width` x `height`: finds or creates a RandR mode of that
// size on the first output, and sets the screen size and CRTC with the server
// grabbed so clients never see a half-done change. kInvalidArgument when the
// size exceeds the server's maximum; kUnavailable without RandR.
Result<void> SetScreenSize(XConnection& x, int width, int height);

// The largest screen the server accepts.
Result<std::pair<int, int>> MaxScreenSize(XConnection& x);

}  // namespace vmi::display
