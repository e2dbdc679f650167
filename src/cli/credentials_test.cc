#include "cli/credentials.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "base/file.h"
#include "base/temp_dir.h"

namespace vmi::cli {
namespace {

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tmp = TempDir::Create("vmi-cred-test");
    ASSERT_TRUE(tmp.ok()) << tmp.error().ToString();
    tmp_ = std::move(*tmp);
    dir_ = tmp_.path();
  }
  TempDir tmp_;
  std::string dir_;
};

TEST(NormalizeServerTest, SameServerSpelledDifferently) {
  EXPECT_EQ(NormalizeServer("HTTP://Node1:8080/"), "http://node1:8080");
  EXPECT_EQ(NormalizeServer("http://node1:8080"), "http://node1:8080");
  EXPECT_EQ(NormalizeServer("/run/vmi/api.sock"), "unix:///run/vmi/api.sock");
  EXPECT_EQ(NormalizeServer("unix:///run/vmi/api.sock"), "unix:///run/vmi/api.sock");
  // A Unix socket path keeps its case.
  EXPECT_EQ(NormalizeServer("unix:///tmp/A/api.sock"), "unix:///tmp/A/api.sock");
}

TEST_F(CredentialsTest, MissingFileIsEmpty) {
  auto c = Credentials::Load(dir_ + "/none/credentials");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_TRUE(c->empty());
  EXPECT_FALSE(c->Get("http://h:1"));
}

TEST_F(CredentialsTest, SavedPrivateAndReadBack) {
  std::string path = dir_ + "/cfg/vmi/credentials";
  auto c = *Credentials::Load(path);
  StoredLogin l;
  l.token = "vmi_abc";
  l.token_id = 7;
  l.user = "alice";
  c.Put("http://Node:8080/", l);
  c.set_current(NormalizeServer("http://node:8080"));
  ASSERT_TRUE(c.Save().ok());

  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat((dir_ + "/cfg/vmi").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  auto back = Credentials::Load(path);
  ASSERT_TRUE(back.ok());
  auto got = back->Get("http://node:8080");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->token, "vmi_abc");
  EXPECT_EQ(got->token_id, 7);
  EXPECT_EQ(got->user, "alice");
  EXPECT_EQ(back->current(), "http://node:8080");
}

TEST_F(CredentialsTest, RemoveForgetsTokenAndCurrent) {
  std::string path = dir_ + "/credentials";
  auto c = *Credentials::Load(path);
  StoredLogin a, b;
  a.token = "vmi_a";
  b.token = "vmi_b";
  c.Put("http://a:1", a);
  c.Put("http://b:1", b);
  c.set_current("http://a:1");
  c.Remove("http://a:1/");
  ASSERT_TRUE(c.Save().ok());
  auto back = *Credentials::Load(path);
  EXPECT_FALSE(back.Get("http://a:1"));
  ASSERT_TRUE(back.Get("http://b:1"));
  EXPECT_EQ(back.current(), "");
}

TEST_F(CredentialsTest, WiderModeIsTightenedOnSave) {
  std::string path = dir_ + "/credentials";
  ASSERT_TRUE(WriteFileAtomic(path, "{}", 0644).ok());
  auto c = *Credentials::Load(path);
  StoredLogin l;
  l.token = "vmi_x";
  c.Put("http://h:1", l);
  ASSERT_TRUE(c.Save().ok());
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(CredentialsTest, MalformedFileIsAClearError) {
  std::string path = dir_ + "/credentials";
  ASSERT_TRUE(WriteFileAtomic(path, "not json", 0600).ok());
  auto c = Credentials::Load(path);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().ToString().find("not valid JSON"), std::string::npos);
}

TEST_F(CredentialsTest, DefaultPathFollowsXdg) {
  std::string old_xdg = getenv("XDG_CONFIG_HOME") ? getenv("XDG_CONFIG_HOME") : "";
  setenv("XDG_CONFIG_HOME", dir_.c_str(), 1);
  EXPECT_EQ(Credentials::DefaultPath(), dir_ + "/vmi/credentials");
  unsetenv("XDG_CONFIG_HOME");
  std::string old_home = getenv("HOME") ? getenv("HOME") : "";
  setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(Credentials::DefaultPath(), "/home/someone/.config/vmi/credentials");
  setenv("HOME", old_home.c_str(), 1);
  if (!old_xdg.empty()) setenv("XDG_CONFIG_HOME", old_xdg.c_str(), 1);
}

}  // namespace
}  // namespace vmi::cli
