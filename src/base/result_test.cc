#include "base/result.h"

#include <gtest/gtest.h>

namespace vmi {
namespace {

Result<int> Parse(const std::string& s) {
  if (s.empty()) return Error(ErrorCode::kInvalidArgument, "empty");
  return std::stoi(s);
}

Result<int> Twice(const std::string& s) {
  int v = VMI_TRY_CTX(Parse(s), "parse '" + s + "'");
  return v * 2;
}

TEST(ResultTest, ValueAndError) {
  auto ok = Twice("21");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 42);
  auto bad = Twice("");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().ToString(), "parse '': empty");
}

TEST(ResultTest, ContextChainsOutermostFirst) {
  Error e(ErrorCode::kNotFound, "no such image");
  e.Context("resolve image").Context("create instance a1");
  EXPECT_EQ(e.ToString(), "create instance a1: resolve image: no such image");
}

TEST(ResultTest, ErrnoMapsToCode) {
  auto e = Error::FromErrno("open /x", ENOENT);
  EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  EXPECT_EQ(e.err_no(), ENOENT);
  EXPECT_EQ(e.ToString(), "open /x: No such file or directory");
  EXPECT_EQ(Error::FromErrno("w", ENOSPC).code(), ErrorCode::kResourceExhausted);
}

TEST(ResultTest, VoidResult) {
  Result<void> ok = Ok();
  EXPECT_TRUE(ok.ok());
  Result<void> bad = Error(ErrorCode::kInternal, "x");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(std::move(bad).Context("y").error().ToString(), "y: x");
}

}  // namespace
}  // namespace vmi
