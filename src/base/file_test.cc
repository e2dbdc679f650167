#include "base/file.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "base/temp_dir.h"

namespace vmi {
namespace {

TEST(FileTest, AtomicWriteAndRead) {
  std::string dir = TempDir::Create("vmi-file-test")->Release();
  ASSERT_TRUE(WriteFileAtomic(dir + "/a", "hello").ok());
  auto r = ReadFile(dir + "/a");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "hello");
  EXPECT_FALSE(ReadFile(dir + "/a", 3).ok());
  EXPECT_EQ(ReadFile(dir + "/missing").error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(RemoveTree(dir).ok());
}

TEST(FileTest, MakeDirsAndRemoveTree) {
  std::string dir = TempDir::Create("vmi-file-test")->Release();
  ASSERT_TRUE(MakeDirs(dir + "/x/y/z").ok());
  ASSERT_TRUE(WriteFile(dir + "/x/y/z/f", "1").ok());
  ASSERT_TRUE(symlink("/etc", (dir + "/x/link").c_str()) == 0);
  ASSERT_TRUE(RemoveTree(dir).ok());
  EXPECT_FALSE(PathExists(dir));
  EXPECT_TRUE(PathExists("/etc/passwd"));  // the symlink was not followed
  EXPECT_TRUE(RemoveTree(dir).ok());       // missing is fine
}

TEST(FileTest, ListDirectorySortsAndSkipsDots) {
  auto dir = TempDir::Create("vmi-file-test");
  ASSERT_TRUE(dir.ok()) << dir.error().ToString();
  for (const char* n : {"b", "a", ".hidden"})
    ASSERT_TRUE(WriteFile(dir->path() + "/" + n, "").ok());
  ASSERT_TRUE(MakeDirs(dir->path() + "/c").ok());
  auto names = ListDirectory(dir->path());
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{".hidden", "a", "b", "c"}));
  auto missing = ListDirectory(dir->path() + "/none");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().ToString().find("/none"), std::string::npos);
}

TEST(FileTest, TempDirIsPrivateAndRemovedWithItsContents) {
  std::string path;
  {
    auto dir = TempDir::Create("vmi-file-test");
    ASSERT_TRUE(dir.ok());
    path = dir->path();
    EXPECT_EQ(path.rfind("/tmp/vmi-file-test.", 0), 0u);
    struct stat st;
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    ASSERT_TRUE(MakeDirs(path + "/x/y").ok());
    ASSERT_TRUE(WriteFile(path + "/x/y/f", "1").ok());
    TempDir moved = std::move(*dir);
    EXPECT_TRUE(dir->path().empty());
    EXPECT_EQ(moved.path(), path);
  }
  EXPECT_FALSE(PathExists(path));
  auto kept = TempDir::Create("vmi-file-test");
  ASSERT_TRUE(kept.ok());
  std::string released = kept->Release();
  kept = TempDir();
  EXPECT_TRUE(IsDirectory(released));
  EXPECT_TRUE(RemoveTree(released).ok());
}

TEST(FileTest, SearchableByOthersNamesTheFirstPrivateAncestor) {
  TempDir dir = TempDir::MustCreate("vmi-file-test");  // mode 0700
  ASSERT_TRUE(MakeDirs(dir.path() + "/a/b").ok());
  auto refused = CheckSearchableByOthers(dir.path() + "/a/b");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().ToString().find(dir.path() + " (mode 0700)"), std::string::npos);
  ASSERT_EQ(chmod(dir.path().c_str(), 0711), 0);
  ASSERT_EQ(chmod((dir.path() + "/a").c_str(), 0700), 0);
  refused = CheckSearchableByOthers(dir.path() + "/a/b");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().ToString().find(dir.path() + "/a (mode 0700)"), std::string::npos);
  ASSERT_EQ(chmod((dir.path() + "/a").c_str(), 0755), 0);
  EXPECT_TRUE(CheckSearchableByOthers(dir.path() + "/a/b").ok());
  // The path itself may be private: only the way to it matters.
  ASSERT_EQ(chmod((dir.path() + "/a/b").c_str(), 0700), 0);
  EXPECT_TRUE(CheckSearchableByOthers(dir.path() + "/a/b").ok());
  EXPECT_FALSE(CheckSearchableByOthers(dir.path() + "/missing").ok());
}

TEST(FileTest, SplitAndTrim) {
  EXPECT_EQ(Split("a,b,,c", ','), (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_EQ(Trim("  x y \n"), "x y");
}

}  // namespace
}  // namespace vmi
