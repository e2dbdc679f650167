// Keymap: the X server's core keyboard mapping as the injector needs it:
// keysym -> keycode lookups, and spare keycodes (no keysym, no modifier)
// that can be remapped to type keysyms the layout lacks, as xdotool does.
//
// Threads: one thread at a time (owned by XTestSink).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <vector>

namespace vmi::input {

class Keymap {
 public:
  Keymap() = default;
  // `syms` holds `per_keycode` keysyms for each keycode from `min_keycode`.
  Keymap(int min_keycode, int per_keycode, std::vector<uint32_t> syms,
         std::set<uint8_t> modifier_keycodes);

  struct Match {
    uint8_t keycode = 0;
    int column = 0;  // 0: unshifted, 1: with Shift
  };
  // The first keycode with `keysym` in column 0 (no Shift), else the first
  // with it in column 1 (Shift).
  std::optional<Match> Find(uint32_t keysym) const;
  // True when `keycode` yields the same keysym with and without Shift.
  bool ShiftInsensitive(uint8_t keycode) const;

  // Keycodes with no keysym at all and not bound to a modifier.
  std::vector<uint8_t> SpareKeycodes() const;
  // Records a remap made on the server.
  void Set(uint8_t keycode, uint32_t keysym);

  int min_keycode() const { return min_; }
  int per_keycode() const { return per_; }
  bool empty() const { return syms_.empty(); }
  uint32_t At(int keycode, int column) const;

 private:
  int min_ = 8;
  int per_ = 0;
  std::vector<uint32_t> syms_;
  std::set<uint8_t> modifiers_;
};

}  // namespace vmi::input
