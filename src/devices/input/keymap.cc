#include "devices/input/keymap.h"

namespace vmi::input {

Keymap::Keymap(int min_keycode, int per_keycode, std::vector<uint32_t> syms,
               std::set<uint8_t> modifier_keycodes)
    : min_(min_keycode), per_(per_keycode), syms_(std::move(syms)),
      modifiers_(std::move(modifier_keycodes)) {}

uint32_t Keymap::At(int keycode, int column) const {
  if (per_ <= 0 || column >= per_ || keycode < min_) return 0;
  size_t i = static_cast<size_t>(keycode - min_) * per_ + column;
  return i < syms_.size() ? syms_[i] : 0;
}

bool Keymap::ShiftInsensitive(uint8_t keycode) const {
  uint32_t c1 = At(keycode, 1);
  return c1 == 0 || c1 == At(keycode, 0);
}

std::optional<Keymap::Match> Keymap::Find(uint32_t keysym) const {
  if (per_ <= 0) return std::nullopt;
  const int count = static_cast<int>(syms_.size()) / per_;
  for (int column = 0; column < 2 && column < per_; ++column) {
    for (int k = 0; k < count; ++k) {
      if (syms_[static_cast<size_t>(k) * per_ + column] == keysym) {
        return Match{static_cast<uint8_t>(min_ + k), column};
      }
    }
  }
  return std::nullopt;
}

std::vector<uint8_t> Keymap::SpareKeycodes() const {
  std::vector<uint8_t> out;
  if (per_ <= 0) return out;
  const int count = static_cast<int>(syms_.size()) / per_;
  for (int k = 0; k < count; ++k) {
    const int keycode = min_ + k;
    // Keycode 8 is left alone: XKB keymaps start at 9, and clients were
    // seen to miss remaps of 8.
    if (keycode <= 8 || keycode > 255 || modifiers_.count(static_cast<uint8_t>(keycode))) {
      continue;
    }
    bool empty = true;
    for (int c = 0; c < per_ && empty; ++c) empty = syms_[static_cast<size_t>(k) * per_ + c] == 0;
    if (empty) out.push_back(static_cast<uint8_t>(keycode));
  }
  return out;
}

void Keymap::Set(uint8_t keycode, uint32_t keysym) {
  if (keycode < min_ || per_ <= 0) return;
  size_t base = static_cast<size_t>(keycode - min_) * per_;
  if (base + per_ > syms_.size()) return;
  for (int c = 0; c < per_; ++c) syms_[base + c] = (c < 2 ? keysym : 0);
}

}  // namespace vmi::input
