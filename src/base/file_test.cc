#include "base/file.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace vmi {
namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/vmi-file-test-XXXXXX";
  return mkdtemp(tmpl);
}

TEST(FileTest, AtomicWriteAndRead) {
  auto dir = TempDir();
  ASSERT_TRUE(WriteFileAtomic(dir + "/a", "hello").ok());
  auto r = ReadFile(dir + "/a");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "hello");
  EXPECT_FALSE(ReadFile(dir + "/a", 3).ok());
  EXPECT_EQ(ReadFile(dir + "/missing").error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(RemoveTree(dir).ok());
}

TEST(FileTest, MakeDirsAndRemoveTree) {
  auto dir = TempDir();
  ASSERT_TRUE(MakeDirs(dir + "/x/y/z").ok());
  ASSERT_TRUE(WriteFile(dir + "/x/y/z/f", "1").ok());
  ASSERT_TRUE(symlink("/etc", (dir + "/x/link").c_str()) == 0);
  ASSERT_TRUE(RemoveTree(dir).ok());
  EXPECT_FALSE(PathExists(dir));
  EXPECT_TRUE(PathExists("/etc/passwd"));  // the symlink was not followed
  EXPECT_TRUE(RemoveTree(dir).ok());        // missing is fine
}

TEST(FileTest, SplitAndTrim) {
  EXPECT_EQ(Split("a,b,,c", ','), (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_EQ(Trim("  x y \n"), "x y");
}

}  // namespace
}  // namespace vmi
