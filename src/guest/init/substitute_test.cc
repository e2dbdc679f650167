#include "guest/init/substitute.h"

#include <gtest/gtest.h>

namespace vmi::guest {
namespace {

Environment Env() { return {{"VMI_WIDTH", "720"}, {"VMI_HEIGHT", "1280"}, {"EMPTY", ""}}; }

TEST(Substitute, ReplacesVariables) {
  auto r = Substitute("${VMI_WIDTH}x${VMI_HEIGHT}x24", Env());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(*r, "720x1280x24");
}

TEST(Substitute, DefaultsApplyWhenUnsetOrEmpty) {
  EXPECT_EQ(*Substitute("-dpi ${VMI_DPI:-320}", Env()), "-dpi 320");
  EXPECT_EQ(*Substitute("[${EMPTY:-x}]", Env()), "[x]");
  EXPECT_EQ(*Substitute("[${EMPTY}]", Env()), "[]");
  EXPECT_EQ(*Substitute("${VMI_WIDTH:-1}", Env()), "720");
  EXPECT_EQ(*Substitute("${NOPE:-}", Env()), "");
}

TEST(Substitute, DollarEscapesAndLoneDollars) {
  EXPECT_EQ(*Substitute("$$HOME costs $5 $", Env()), "$HOME costs $5 $");
  EXPECT_EQ(*Substitute("$VMI_WIDTH", Env()), "$VMI_WIDTH");
}

TEST(Substitute, UnsetVariableIsAnError) {
  auto r = Substitute("-dpi ${VMI_DPI}", Env());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().ToString().find("VMI_DPI"), std::string::npos);
}

TEST(Substitute, MalformedReferencesAreErrors) {
  EXPECT_FALSE(Substitute("${VMI_WIDTH", Env()).ok());
  EXPECT_FALSE(Substitute("${}", Env()).ok());
  EXPECT_FALSE(Substitute("${1X}", Env()).ok());
  EXPECT_FALSE(Substitute("${A B}", Env()).ok());
}

TEST(Substitute, ValuesAreNotRescanned) {
  Environment env{{"A", "${B}"}, {"B", "no"}};
  EXPECT_EQ(*Substitute("${A}", env), "${B}");
}

}  // namespace
}  // namespace vmi::guest
