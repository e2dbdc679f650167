// The contract between input producers (browser viewers, VNC clients) and
// the injectors of one instance (XTEST for X guests, the guest surface
// protocol for others). Routing (which viewer may send input) sits in front
// of a sink; a sink only validates and delivers.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"

namespace vmi::input {

enum class TouchAction : uint8_t { kDown = 0, kMove = 1, kUp = 2, kCancel = 3 };

// Buttons bit mask: bit 0 left, bit 1 middle, bit 2 right, bits 3/4 wheel up/down.
struct PointerEvent {
  int x = 0, y = 0;  // in guest screen pixels
  uint32_t buttons = 0;
};
struct KeyEvent {
  uint32_t keysym = 0;  // X11 keysym
  bool down = false;
};
struct TouchEvent {
  uint32_t id = 0;  // finger id, stable from kDown to kUp
  TouchAction action = TouchAction::kDown;
  int x = 0, y = 0;
};

// Threads: one caller at a time.
class InputSink {
 public:
  virtual ~InputSink() = default;
  // Coordinates outside the screen are an InvalidArgument error; nothing is
  // delivered then.
  virtual Result<void> Pointer(const PointerEvent& e) = 0;
  virtual Result<void> Key(const KeyEvent& e) = 0;
  // Types UTF-8 text (any Unicode character) as key presses.
  virtual Result<void> Text(const std::string& utf8) = 0;
  // X guests map the first finger to the pointer; surface guests get all.
  virtual Result<void> Touch(const TouchEvent& e) = 0;
};

}  // namespace vmi::input
