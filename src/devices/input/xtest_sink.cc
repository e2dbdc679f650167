#include "devices/input/xtest_sink.h"

#include <X11/keysym.h>
#include <xcb/xcb.h>
#include <xcb/xtest.h>

#include <cstdlib>
#include <set>

#include "base/log.h"
#include "devices/input/keysyms.h"

namespace vmi::input {
namespace {

constexpr std::chrono::seconds kReconnectInterval{1};
constexpr int kButtons = 5;  // left, middle, right, wheel up, wheel down

Error Invalid(const std::string& what) { return Error(ErrorCode::kInvalidArgument, what); }

}  // namespace

XTestSink::XTestSink(std::string x_socket_path) : socket_path_(std::move(x_socket_path)) {}

XTestSink::~XTestSink() {
  if (!x_ || !x_->alive()) return;
  // Leave nothing pressed and give the spare keycodes back.
  for (const auto& [keysym, keycode] : pressed_) FakeKey(keycode, false);
  for (int b = 0; b < kButtons; ++b) {
    if (buttons_ & (1u << b)) Button(b + 1, false);
  }
  std::vector<uint32_t> none(keymap_.per_keycode(), 0);
  for (const auto& [keysym, keycode] : remapped_) {
    xcb_change_keyboard_mapping(x_->get(), 1, keycode, keymap_.per_keycode(), none.data());
  }
  xcb_flush(x_->get());
}

Result<void> XTestSink::Connect() { return EnsureConnected(); }

Result<void> XTestSink::EnsureConnected() {
  if (x_ && x_->PollEvents()) return Ok();
  if (x_) {
    VMI_LOG(INFO) << "X connection " << socket_path_ << " lost";
    x_.reset();
  }
  const auto now = std::chrono::steady_clock::now();
  if (now < next_attempt_) {
    return Error(ErrorCode::kUnavailable, "no X connection to " + socket_path_);
  }
  next_attempt_ = now + kReconnectInterval;
  auto c = VMI_TRY_CTX(display::XConnection::Connect(socket_path_), "input");
  const xcb_query_extension_reply_t* ext = xcb_get_extension_data(c->get(), &xcb_test_id);
  if (!ext || !ext->present) {
    return Error(ErrorCode::kUnavailable, "X server at " + socket_path_ + " has no XTEST");
  }
  x_ = std::move(c);
  pressed_.clear();
  remapped_.clear();
  buttons_ = 0;
  touch_active_ = false;
  Result<void> k = LoadKeymap();
  if (!k.ok()) {
    x_.reset();
    return std::move(k).error().Context("input");
  }
  return Ok();
}

Result<void> XTestSink::LoadKeymap() {
  xcb_connection_t* c = x_->get();
  const xcb_setup_t* setup = xcb_get_setup(c);
  const int min = setup->min_keycode, max = setup->max_keycode;
  xcb_get_keyboard_mapping_reply_t* km = xcb_get_keyboard_mapping_reply(
      c, xcb_get_keyboard_mapping(c, min, max - min + 1), nullptr);
  if (!km) return Error(ErrorCode::kUnavailable, "X GetKeyboardMapping failed");
  const xcb_keysym_t* syms = xcb_get_keyboard_mapping_keysyms(km);
  std::vector<uint32_t> v(syms, syms + xcb_get_keyboard_mapping_keysyms_length(km));
  const int per = km->keysyms_per_keycode;
  free(km);

  std::set<uint8_t> modifiers;
  xcb_get_modifier_mapping_reply_t* mm =
      xcb_get_modifier_mapping_reply(c, xcb_get_modifier_mapping(c), nullptr);
  if (mm) {
    const xcb_keycode_t* codes = xcb_get_modifier_mapping_keycodes(mm);
    for (int i = 0; i < xcb_get_modifier_mapping_keycodes_length(mm); ++i) {
      if (codes[i]) modifiers.insert(codes[i]);
    }
    free(mm);
  }
  keymap_ = Keymap(min, per, std::move(v), std::move(modifiers));
  spare_ = keymap_.SpareKeycodes();
  next_spare_ = 0;
  auto shift = keymap_.Find(XK_Shift_L);
  shift_keycode_ = shift ? shift->keycode : 0;
  if (spare_.empty()) {
    VMI_LOG(WARN) << "X keymap at " << socket_path_ << " has no spare keycode";
  }
  return Ok();
}

Result<void> XTestSink::CheckPoint(int x, int y) const {
  if (x < 0 || y < 0 || x >= x_->width() || y >= x_->height()) {
    return Invalid("point " + std::to_string(x) + "," + std::to_string(y) +
                   " outside the screen " + std::to_string(x_->width()) + "x" +
                   std::to_string(x_->height()));
  }
  return Ok();
}

void XTestSink::Motion(int x, int y) {
  xcb_test_fake_input(x_->get(), XCB_MOTION_NOTIFY, 0, XCB_CURRENT_TIME, x_->root(),
                      static_cast<int16_t>(x), static_cast<int16_t>(y), 0);
}

void XTestSink::Button(int button, bool down) {
  xcb_test_fake_input(x_->get(), down ? XCB_BUTTON_PRESS : XCB_BUTTON_RELEASE,
                      static_cast<uint8_t>(button), XCB_CURRENT_TIME, XCB_NONE, 0, 0, 0);
}

void XTestSink::FakeKey(uint8_t keycode, bool down) {
  xcb_test_fake_input(x_->get(), down ? XCB_KEY_PRESS : XCB_KEY_RELEASE, keycode,
                      XCB_CURRENT_TIME, XCB_NONE, 0, 0, 0);
}

Result<void> XTestSink::Flush() {
  if (xcb_flush(x_->get()) <= 0 || !x_->alive()) {
    x_.reset();
    return Error(ErrorCode::kUnavailable, "X connection to " + socket_path_ + " lost");
  }
  return Ok();
}

Result<void> XTestSink::Pointer(const PointerEvent& e) {
  VMI_CHECK_OK(EnsureConnected(), "pointer");
  VMI_CHECK_OK(CheckPoint(e.x, e.y), "pointer");
  if (e.buttons >= (1u << kButtons)) {
    return Invalid("pointer: unknown button bits " + std::to_string(e.buttons));
  }
  Motion(e.x, e.y);
  for (int b = 0; b < kButtons; ++b) {
    const uint32_t bit = 1u << b;
    if ((e.buttons & bit) != (buttons_ & bit)) Button(b + 1, (e.buttons & bit) != 0);
  }
  buttons_ = e.buttons;
  return Flush();
}

Result<uint8_t> XTestSink::KeycodeFor(uint32_t keysym, bool allow_shift, bool* need_shift) {
  *need_shift = false;
  const bool shift_held = pressed_.count(XK_Shift_L) || pressed_.count(XK_Shift_R);
  if (auto m = keymap_.Find(keysym)) {
    if (m->column == 0 && (!shift_held || keymap_.ShiftInsensitive(m->keycode))) {
      return m->keycode;
    }
    if (m->column == 1 && shift_held) return m->keycode;
    if (m->column == 1 && allow_shift && shift_keycode_ != 0) {
      *need_shift = true;
      return m->keycode;
    }
  }
  if (auto it = remapped_.find(keysym); it != remapped_.end()) return it->second;
  // Take the next spare keycode that is not held down.
  std::set<uint8_t> held;
  for (const auto& [ks, kc] : pressed_) held.insert(kc);
  for (size_t tries = 0; tries < spare_.size(); ++tries) {
    const uint8_t keycode = spare_[next_spare_];
    next_spare_ = (next_spare_ + 1) % spare_.size();
    if (held.count(keycode)) continue;
    for (auto it = remapped_.begin(); it != remapped_.end(); ++it) {
      if (it->second == keycode) {
        remapped_.erase(it);
        break;
      }
    }
    std::vector<uint32_t> syms(keymap_.per_keycode(), 0);
    syms[0] = keysym;
    if (syms.size() > 1) syms[1] = keysym;
    xcb_change_keyboard_mapping(x_->get(), 1, keycode, keymap_.per_keycode(), syms.data());
    // A round trip: the server has applied the new mapping (and told every
    // client) before the key that uses it is generated.
    free(xcb_get_input_focus_reply(x_->get(), xcb_get_input_focus(x_->get()), nullptr));
    keymap_.Set(keycode, keysym);
    remapped_[keysym] = keycode;
    return keycode;
  }
  return Error(ErrorCode::kResourceExhausted, "no spare keycode to type keysym");
}

Result<void> XTestSink::Key(const KeyEvent& e) {
  if (!IsKnownKeysym(e.keysym)) {
    return Invalid("key: unknown keysym 0x" + [&] {
      char buf[16];
      snprintf(buf, sizeof buf, "%x", e.keysym);
      return std::string(buf);
    }());
  }
  VMI_CHECK_OK(EnsureConnected(), "key");
  if (!e.down) {
    auto it = pressed_.find(e.keysym);
    if (it == pressed_.end()) return Ok();  // never pressed (or pressed before a reconnect)
    FakeKey(it->second, false);
    pressed_.erase(it);
    return Flush();
  }
  uint8_t keycode;
  if (auto it = pressed_.find(e.keysym); it != pressed_.end()) {
    keycode = it->second;  // auto-repeat: same key again
  } else {
    bool need_shift = false;
    keycode = VMI_TRY_CTX(KeycodeFor(e.keysym, false, &need_shift), "key");
  }
  FakeKey(keycode, true);
  pressed_[e.keysym] = keycode;
  return Flush();
}

Result<void> XTestSink::Text(const std::string& utf8) {
  auto cps = VMI_TRY(DecodeUtf8(utf8));
  std::vector<uint32_t> keysyms;
  keysyms.reserve(cps.size());
  for (uint32_t cp : cps) {
    uint32_t ks = KeysymForCodepoint(cp);
    if (ks == 0) return Invalid("text: control character U+" + std::to_string(cp));
    keysyms.push_back(ks);
  }
  VMI_CHECK_OK(EnsureConnected(), "text");
  for (uint32_t ks : keysyms) {
    bool need_shift = false;
    uint8_t keycode = VMI_TRY_CTX(KeycodeFor(ks, true, &need_shift), "text");
    if (need_shift) FakeKey(shift_keycode_, true);
    FakeKey(keycode, true);
    FakeKey(keycode, false);
    if (need_shift) FakeKey(shift_keycode_, false);
    // One flush per character keeps each remap ordered before its key.
    VMI_CHECK_OK(Flush(), "text");
  }
  return Ok();
}

Result<void> XTestSink::Touch(const TouchEvent& e) {
  VMI_CHECK_OK(EnsureConnected(), "touch");
  if (e.action != TouchAction::kCancel) {
    VMI_CHECK_OK(CheckPoint(e.x, e.y), "touch");
  }
  if (static_cast<uint8_t>(e.action) > static_cast<uint8_t>(TouchAction::kCancel)) {
    return Invalid("touch: unknown action");
  }
  const bool primary = touch_active_ && e.id == touch_id_;
  switch (e.action) {
    case TouchAction::kDown:
      if (touch_active_) return Ok();  // a second finger: not for X guests
      touch_active_ = true;
      touch_id_ = e.id;
      Motion(e.x, e.y);
      Button(1, true);
      buttons_ |= 1;
      break;
    case TouchAction::kMove:
      if (!primary) return Ok();
      Motion(e.x, e.y);
      break;
    case TouchAction::kUp:
    case TouchAction::kCancel:
      if (!primary) return Ok();
      if (e.action == TouchAction::kUp) Motion(e.x, e.y);
      Button(1, false);
      buttons_ &= ~1u;
      touch_active_ = false;
      break;
  }
  return Flush();
}

}  // namespace vmi::input
