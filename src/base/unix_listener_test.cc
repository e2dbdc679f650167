#include "base/unix_listener.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>

#include <gtest/gtest.h>

#include "base/file.h"
#include "base/temp_dir.h"

namespace vmi {
namespace {

bool Connects(const std::string& path) {
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  return connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
}

TEST(UnixListener, ThePathAcceptsAsSoonAsItExists) {
  TempDir dir = TempDir::MustCreate("unix-listener");
  std::string path = dir.path() + "/s.sock";
  // A watcher connects the moment the path appears, as clients that wait
  // for a service's socket do; it must never be refused.
  std::atomic<bool> stop{false};
  std::atomic<int> refused{0}, connected{0};
  std::thread watcher([&] {
    while (!stop) {
      if (!PathExists(path)) {
        std::this_thread::yield();
        continue;
      }
      (Connects(path) ? connected : refused)++;
      unlink(path.c_str());
    }
  });
  for (int i = 0; i < 300; ++i) {
    auto fd = ListenUnix(path);
    if (!fd.ok()) {
      ADD_FAILURE() << fd.error().ToString();
      break;
    }
    while (PathExists(path)) std::this_thread::yield();  // the watcher is done with it
  }
  stop = true;
  watcher.join();
  EXPECT_EQ(refused, 0);
  EXPECT_GT(connected, 0);
}

TEST(UnixListener, ReplacesAStaleSocketAndSetsTheMode) {
  TempDir dir = TempDir::MustCreate("unix-listener");
  std::string path = dir.path() + "/s.sock";
  auto old = ListenUnix(path);
  ASSERT_TRUE(old.ok());
  old->reset();  // the stale socket stays on disk, refusing
  EXPECT_FALSE(Connects(path));
  auto fd = ListenUnix(path, {.mode = 0660});
  ASSERT_TRUE(fd.ok()) << fd.error().ToString();
  EXPECT_TRUE(Connects(path));
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
}

TEST(UnixListener, RefusesAPathTooLongAndLeavesNothing) {
  TempDir dir = TempDir::MustCreate("unix-listener");
  std::string path = dir.path() + "/" + std::string(120, 'x');
  auto fd = ListenUnix(path);
  ASSERT_FALSE(fd.ok());
  EXPECT_EQ(fd.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(PathExists(path));
}

}  // namespace
}  // namespace vmi
