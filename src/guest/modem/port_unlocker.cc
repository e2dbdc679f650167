#include "guest/modem/port_unlocker.h"

#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

namespace vmi::guest {

namespace {
constexpr auto kWatchAfterOpen = std::chrono::milliseconds(250);
constexpr int kStepMs = 2;
}  // namespace

Result<PortUnlocker> PortUnlocker::Create(const std::string& slave_path, int slave_fd) {
  PortUnlocker u;
  u.slave_fd_ = slave_fd;
  u.inotify_ = UniqueFd(inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!u.inotify_) return Error::FromErrno("inotify_init1");
  if (inotify_add_watch(u.inotify_.get(), slave_path.c_str(), IN_OPEN | IN_CLOSE) < 0)
    return Error::FromErrno("inotify_add_watch " + slave_path);
  return u;
}

void PortUnlocker::OnReadable() {
  alignas(inotify_event) char buf[4096];
  for (;;) {
    ssize_t n = read(inotify_.get(), buf, sizeof buf);
    if (n <= 0) return;
    for (ssize_t off = 0; off < n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(buf + off);
      if (e->mask & IN_OPEN) watch_until_ = std::chrono::steady_clock::now() + kWatchAfterOpen;
      off += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
    }
  }
}

int PortUnlocker::Tick() {
  int locked = 0;
  if (ioctl(slave_fd_, TIOCGEXCL, &locked) == 0 && locked) {
    if (ioctl(slave_fd_, TIOCNXCL) == 0) ++cleared_;
  }
  return std::chrono::steady_clock::now() < watch_until_ ? kStepMs : -1;
}

}  // namespace vmi::guest
