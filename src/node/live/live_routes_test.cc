#include "node/live/live_routes.h"

#include <gtest/gtest.h>

namespace vmi::node::live {
namespace {

TEST(RotateBodyTest, AcceptsBothOrientations) {
  EXPECT_EQ(ParseRotateBody(R"({"orientation":"portrait"})").value(), display::Orientation::kPortrait);
  EXPECT_EQ(ParseRotateBody(R"({"orientation":"landscape"})").value(), display::Orientation::kLandscape);
}

TEST(RotateBodyTest, RejectsAnythingElse) {
  for (const char* body : {"", "[]", "{}", R"({"orientation":1})", R"({"orientation":"up"})",
                           R"({"orientation":"portrait","x":1})", R"({"orientation":null})",
                           R"({"orientation":"portrait")"}) {
    auto r = ParseRotateBody(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << body;
  }
}

}  // namespace
}  // namespace vmi::node::live
