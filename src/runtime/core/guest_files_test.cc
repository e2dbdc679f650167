#include "runtime/core/guest_files.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <thread>

#include "base/file.h"
#include "base/temp_dir.h"

namespace vmi::runtime {
namespace {

TEST(GuestFiles, PathsMustBeAbsoluteAndPlain) {
  EXPECT_EQ(*ValidateGuestPath("/tmp/x"), "/tmp/x");
  EXPECT_EQ(*ValidateGuestPath("//tmp///x/"), "/tmp/x");
  EXPECT_EQ(*ValidateGuestPath("/a b/ü.txt"), "/a b/ü.txt");
  for (const std::string& bad : std::vector<std::string>{"", "tmp/x", "/", "///", "/tmp/../etc/passwd", "/tmp/./x", "/..",
                          "/tmp/..", std::string("/a\0b", 4), "/" + std::string(4100, 'a'),
                          "/" + std::string(256, 'n')}) {
    auto r = ValidateGuestPath(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    }
  }
}

class GuestTree : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = TempDir::MustCreate("vmi-guest-files");
    root_ = tmp_.path() + "/root";
    ASSERT_TRUE(MakeDirs(root_ + "/etc").ok());
    ASSERT_TRUE(MakeDirs(root_ + "/tmp").ok());
    ASSERT_TRUE(WriteFile(root_ + "/etc/passwd", "guest's passwd\n").ok());
    // Outside the guest's tree, where escapes would land.
    ASSERT_TRUE(WriteFile(tmp_.path() + "/secret", "host secret\n").ok());
    ASSERT_EQ(symlink("/etc", (root_ + "/tmp/abs").c_str()), 0);
    ASSERT_EQ(symlink("../../../../../..", (root_ + "/tmp/up").c_str()), 0);
    ASSERT_EQ(symlink("/etc/passwd", (root_ + "/tmp/link").c_str()), 0);
    ASSERT_EQ(mkfifo((root_ + "/tmp/fifo").c_str(), 0600), 0);
    fd_ = UniqueFd(open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(fd_);
  }
  std::string Read(const std::string& path) {
    auto f = OpenGuestFile(fd_.get(), path);
    if (!f.ok()) return "<" + f.error().ToString() + ">";
    std::string out(f->size, '\0');
    EXPECT_EQ(read(f->fd.get(), out.data(), out.size()), static_cast<ssize_t>(out.size()));
    return out;
  }
  Result<uint64_t> Write(const std::string& path, const std::string& data, uid_t uid = 0) {
    std::string src = tmp_.path() + "/upload";
    EXPECT_TRUE(WriteFile(src, data).ok());
    UniqueFd in(open(src.c_str(), O_RDONLY | O_CLOEXEC));
    return WriteGuestFile(fd_.get(), path, in.get(), data.size(), {.uid = uid, .gid = uid});
  }
  TempDir tmp_;
  std::string root_;
  UniqueFd fd_;
};

TEST_F(GuestTree, SymlinksResolveInsideTheGuestsTree) {
  EXPECT_EQ(Read("/etc/passwd"), "guest's passwd\n");
  EXPECT_EQ(Read("/tmp/abs/passwd"), "guest's passwd\n");  // "/etc" is the guest's /etc
  EXPECT_EQ(Read("/tmp/up/etc/passwd"), "guest's passwd\n");  // ".." stops at its root
  EXPECT_NE(Read("/tmp/up/secret").find("No such file"), std::string::npos);
  // The last component is never followed: a link is refused, not read.
  EXPECT_NE(Read("/tmp/link").find("symbolic link"), std::string::npos) << Read("/tmp/link");
}

TEST_F(GuestTree, OnlyRegularFilesAreRead) {
  EXPECT_NE(Read("/tmp/fifo").find("not a regular file"), std::string::npos) << Read("/tmp/fifo");
  EXPECT_NE(Read("/etc").find("directory"), std::string::npos);
  EXPECT_NE(Read("/nothing").find("No such file"), std::string::npos);
  auto st = StatGuestPath(fd_.get(), "/tmp/link");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->type, "symlink");
  EXPECT_EQ(StatGuestPath(fd_.get(), "/etc")->type, "directory");
}

TEST_F(GuestTree, WritesReplaceWholeFilesAndStayInside) {
  auto w = Write("/tmp/new.txt", "hello", 0);
  ASSERT_TRUE(w.ok()) << w.error().ToString();
  EXPECT_EQ(*w, 5u);
  EXPECT_EQ(*ReadFile(root_ + "/tmp/new.txt"), "hello");
  struct stat st;
  ASSERT_EQ(stat((root_ + "/tmp/new.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  // Replacing keeps the file's mode.
  ASSERT_EQ(chmod((root_ + "/tmp/new.txt").c_str(), 0600), 0);
  ASSERT_TRUE(Write("/tmp/new.txt", "second").ok());
  EXPECT_EQ(*ReadFile(root_ + "/tmp/new.txt"), "second");
  ASSERT_EQ(stat((root_ + "/tmp/new.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  // Through a directory symlink: still inside.
  ASSERT_TRUE(Write("/tmp/up/etc/hosts", "x").ok());
  EXPECT_TRUE(PathExists(root_ + "/etc/hosts"));
  EXPECT_FALSE(PathExists(tmp_.path() + "/etc/hosts"));
  // Never onto a symlink, a FIFO or a directory; nothing is left behind.
  for (const char* bad : {"/tmp/link", "/tmp/fifo", "/etc"}) {
    auto r = Write(bad, "evil");
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_EQ(*ReadFile(root_ + "/etc/passwd"), "guest's passwd\n");
  auto names = ListDirectory(root_ + "/tmp");
  ASSERT_TRUE(names.ok());
  for (const auto& n : *names) EXPECT_EQ(n.find(".vmi-cp-"), std::string::npos) << n;
  EXPECT_FALSE(Write("/no/such/dir/x", "y").ok());
}

TEST_F(GuestTree, WhatDoesNotFitIsRefusedBeforeWriting) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (a small tmpfs)";
  std::thread([&] {
    ASSERT_EQ(unshare(CLONE_FS | CLONE_NEWNS), 0);
    ASSERT_EQ(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0);
    ASSERT_EQ(mount("vmi-test", (root_ + "/tmp").c_str(), "tmpfs", 0, "size=1m"), 0);
    // The root as this namespace sees it, with the small tmpfs on its /tmp.
    fd_ = UniqueFd(open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(fd_);
    auto r = Write("/tmp/big", std::string(2 << 20, 'x'));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kResourceExhausted) << r.error().ToString();
    EXPECT_FALSE(PathExists(root_ + "/tmp/big"));
  }).join();
}

}  // namespace
}  // namespace vmi::runtime
