#include "devices/input/keymap.h"

#include <X11/keysym.h>
#include <gtest/gtest.h>

namespace vmi::input {
namespace {

// Keycodes 8..12, two keysyms each.
Keymap Small() {
  return Keymap(8, 2,
                {0, 0,                   // 8: spare
                 XK_a, XK_A,             // 9
                 XK_Return, 0,           // 10
                 XK_Shift_L, 0,          // 11: modifier
                 0, 0},                  // 12: spare
                {11});
}

TEST(KeymapTest, FindsColumns) {
  Keymap k = Small();
  auto a = k.Find(XK_a);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->keycode, 9);
  EXPECT_EQ(a->column, 0);
  auto upper = k.Find(XK_A);
  ASSERT_TRUE(upper);
  EXPECT_EQ(upper->column, 1);
  EXPECT_FALSE(k.Find(XK_b));
  EXPECT_TRUE(k.ShiftInsensitive(10));
  EXPECT_FALSE(k.ShiftInsensitive(9));
}

TEST(KeymapTest, SpareKeycodesAndRemap) {
  Keymap k = Small();
  EXPECT_EQ(k.SpareKeycodes(), (std::vector<uint8_t>{12}));  // never 8
  k.Set(12, 0x01002713);
  auto m = k.Find(0x01002713);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->keycode, 12);
  EXPECT_TRUE(k.ShiftInsensitive(12));
  EXPECT_TRUE(k.SpareKeycodes().empty());
}

}  // namespace
}  // namespace vmi::input
