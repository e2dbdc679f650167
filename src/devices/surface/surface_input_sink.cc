#include "devices/surface/surface_input_sink.h"

#include <time.h>

#include <string>

#include "base/clock.h"
#include "base/utf8.h"

namespace vmi::surface {

Result<void> SurfaceInputSink::CheckPoint(int x, int y) const {
  DisplayInfo d = server_->display();
  if (x < 0 || y < 0 || x >= static_cast<int>(d.width) || y >= static_cast<int>(d.height))
    return Error(ErrorCode::kInvalidArgument,
                 "input at (" + std::to_string(x) + "," + std::to_string(y) + ") is outside the " +
                     std::to_string(d.width) + "x" + std::to_string(d.height) + " display");
  return Ok();
}

void SurfaceInputSink::SyncGeneration() {
  uint64_t g = server_->stats().generation;
  if (g != generation_) {
    generation_ = g;
    fingers_down_.clear();  // a new guest has no fingers down
  }
}

Result<void> SurfaceInputSink::Pointer(const input::PointerEvent& e) {
  VMI_CHECK_OK(CheckPoint(e.x, e.y), "pointer");
  if (e.buttons > 0x1F)
    return Error(ErrorCode::kInvalidArgument,
                 "pointer: unknown buttons " + std::to_string(e.buttons));
  return server_->SendToGuest(
      Encode(PointerMsg{e.x, e.y, e.buttons, static_cast<uint64_t>(MonotonicMicros())}));
}

Result<void> SurfaceInputSink::Key(const input::KeyEvent& e) {
  // X11 keysyms are 29-bit; 0 is NoSymbol.
  if (e.keysym == 0 || e.keysym > 0x1FFFFFFF)
    return Error(ErrorCode::kInvalidArgument, "key: invalid keysym " + std::to_string(e.keysym));
  return server_->SendToGuest(
      Encode(KeyMsg{e.keysym, e.down ? 1u : 0u, static_cast<uint64_t>(MonotonicMicros())}));
}

Result<void> SurfaceInputSink::Text(const std::string& utf8) {
  if (utf8.size() > kMaxTextTotal)
    return Error(ErrorCode::kInvalidArgument, "text: " + std::to_string(utf8.size()) +
                                                  " bytes, at most " +
                                                  std::to_string(kMaxTextTotal));
  if (!IsValidUtf8(utf8)) return Error(ErrorCode::kInvalidArgument, "text: not valid UTF-8");
  size_t pos = 0;
  while (pos < utf8.size()) {
    size_t end = std::min(utf8.size(), pos + kMaxTextBytes);
    // Back up to a character boundary (never inside a multi-byte sequence).
    while (end < utf8.size() && (static_cast<uint8_t>(utf8[end]) & 0xC0) == 0x80) --end;
    VMI_CHECK_OK(server_->SendToGuest(Encode(TextMsg{static_cast<uint64_t>(MonotonicMicros()),
                                                     utf8.substr(pos, end - pos)})),
                 "text");
    pos = end;
  }
  return Ok();
}

Result<void> SurfaceInputSink::Touch(const input::TouchEvent& e) {
  SyncGeneration();
  auto action = static_cast<uint8_t>(e.action);
  if (action > static_cast<uint8_t>(input::TouchAction::kCancel))
    return Error(ErrorCode::kInvalidArgument, "touch: unknown action " + std::to_string(action));
  bool down = fingers_down_.count(e.id) != 0;
  std::string finger = "touch: finger " + std::to_string(e.id);
  switch (e.action) {
    case input::TouchAction::kDown:
      if (down) return Error(ErrorCode::kInvalidArgument, finger + " is already down");
      if (fingers_down_.size() >= kMaxFingers)
        return Error(ErrorCode::kInvalidArgument,
                     "touch: at most " + std::to_string(kMaxFingers) + " fingers");
      VMI_CHECK_OK(CheckPoint(e.x, e.y), "touch");
      break;
    case input::TouchAction::kMove:
    case input::TouchAction::kUp:
      if (!down) return Error(ErrorCode::kInvalidArgument, finger + " is not down");
      VMI_CHECK_OK(CheckPoint(e.x, e.y), "touch");
      break;
    case input::TouchAction::kCancel:
      if (!down) return Error(ErrorCode::kInvalidArgument, finger + " is not down");
      break;
  }
  VMI_CHECK_OK(server_->SendToGuest(Encode(
                   TouchMsg{e.id, action, e.x, e.y, static_cast<uint64_t>(MonotonicMicros())})),
               "touch");
  if (e.action == input::TouchAction::kDown) fingers_down_.insert(e.id);
  if (e.action == input::TouchAction::kUp || e.action == input::TouchAction::kCancel)
    fingers_down_.erase(e.id);
  return Ok();
}

}  // namespace vmi::surface
