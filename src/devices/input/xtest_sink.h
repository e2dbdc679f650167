// XTestSink: the InputSink of an X guest. Injects pointer, keyboard and text
// into the guest's X server with XTEST, from the host, over the server's
// socket in the device directory (no X client inside the guest).
//
// Keys are given as keysyms. A keysym on the current layout is typed with its
// keycode; one the layout lacks (any Unicode character, typically) is typed
// by remapping a spare keycode with ChangeKeyboardMapping first. Spare
// keycodes are used round-robin and a keysym keeps its slot while cached, so
// an application still reading an earlier key press sees the right mapping
// unless it lags more than a dozen remapped characters behind.
//
// Touch: the first finger down drives the pointer (button 1); other fingers
// are validated and dropped.
//
// Errors: coordinates outside the current screen (RandR size), unknown
// keysyms and malformed UTF-8 are kInvalidArgument and nothing is sent. A
// broken connection (guest Xvfb restarted) is kUnavailable; the next call
// reconnects (at most once a second).
//
// Threads: one caller at a time (the InputRouter serialises per instance).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "devices/display/x_connection.h"
#include "devices/input/input_sink.h"
#include "devices/input/keymap.h"

namespace vmi::input {

class XTestSink : public InputSink {
 public:
  // Connects lazily: creating the sink never fails; the first event does.
  explicit XTestSink(std::string x_socket_path);
  ~XTestSink() override;

  Result<void> Pointer(const PointerEvent& e) override;
  Result<void> Key(const KeyEvent& e) override;
  Result<void> Text(const std::string& utf8) override;
  Result<void> Touch(const TouchEvent& e) override;

  // Connects now (or checks the connection); for callers that want to know.
  Result<void> Connect();

 private:
  Result<void> EnsureConnected();
  Result<void> LoadKeymap();
  Result<void> CheckPoint(int x, int y) const;
  void Motion(int x, int y);
  void Button(int button, bool down);
  void FakeKey(uint8_t keycode, bool down);
  // The keycode that types `keysym` now (remapping a spare one if needed);
  // sets *need_shift when Shift must be held for it. 0 if none is free.
  Result<uint8_t> KeycodeFor(uint32_t keysym, bool allow_shift, bool* need_shift);
  Result<void> Flush();

  std::string socket_path_;
  std::unique_ptr<display::XConnection> x_;
  std::chrono::steady_clock::time_point next_attempt_{};
  Keymap keymap_;
  uint8_t shift_keycode_ = 0;
  std::vector<uint8_t> spare_;
  size_t next_spare_ = 0;
  std::map<uint32_t, uint8_t> remapped_;  // keysym -> spare keycode holding it
  std::map<uint32_t, uint8_t> pressed_;   // keysym -> keycode pressed with it
  uint32_t buttons_ = 0;
  bool touch_active_ = false;
  uint32_t touch_id_ = 0;
};

}  // namespace vmi::input
