// vmi-modem-port: gives a Linux guest its modem as a serial port.
//
// It creates a pty, exposes its slave as /dev/ttyVMI0 with the sysfs view
// ModemManager needs (sysfs_view.h), connects to the host's modem endpoint
// (/run/vmi/modem.sock) and copies bytes both ways: the guest's modem stack
// speaks AT on the port, the host's AtModem answers. When the host side
// goes away (the modem service restarts) it reconnects with backoff; the
// port stays, so ModemManager keeps its modem and sees calls end.
//
//   vmi-modem-port [--socket PATH] [--name ttyVMI0] [--events FILE]
//
// Threads: one, a poll loop (the pty, the host connection, the port
// unlocker's inotify watch).
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/log.h"
#include "base/unique_fd.h"
#include "guest/modem/port_unlocker.h"
#include "guest/modem/sysfs_view.h"

namespace {

vmi::UniqueFd Connect(const std::string& path) {
  vmi::UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (!fd || path.size() >= sizeof(addr.sun_path)) return {};
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return {};
  return fd;
}

// Writes all of buf; false if the peer is gone or takes no bytes for
// `patience_ms` (a guest program that never reads its port must not stall
// the relay: what it does not read is dropped, as on a real serial line).
bool WriteAll(int fd, const char* buf, size_t n, int patience_ms = 2000) {
  int waited = 0;
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) {
      if (waited >= patience_ms) return false;
      pollfd p{fd, POLLOUT, 0};
      poll(&p, 1, 100);
      waited += 100;
      continue;
    }
    if (w <= 0) return false;
    buf += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string socket_path = "/run/vmi/modem.sock";
  std::string name = "ttyVMI0";
  std::string events = "/run/vmi-modem.events";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--socket") socket_path = argv[i + 1];
    else if (k == "--name") name = argv[i + 1];
    else if (k == "--events") events = argv[i + 1];
    else {
      fprintf(stderr, "usage: vmi-modem-port [--socket PATH] [--name NAME] [--events FILE]\n");
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);

  vmi::UniqueFd master(posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK));
  if (!master || grantpt(master.get()) != 0 || unlockpt(master.get()) != 0) {
    VMI_LOG(ERROR) << "vmi-modem-port: no pty: " << strerror(errno);
    return 1;
  }
  std::string slave = ptsname(master.get());
  // Holding the slave open keeps the master readable-without-EIO while the
  // guest's stack has the port closed.
  vmi::UniqueFd keep(open(slave.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
  termios t{};
  if (keep && tcgetattr(keep.get(), &t) == 0) {
    cfmakeraw(&t);
    tcsetattr(keep.get(), TCSANOW, &t);
  }
  struct stat st {};
  stat(slave.c_str(), &st);
  vmi::guest::SysfsViewOptions view;
  view.name = name;
  view.pty = slave;
  view.major = static_cast<int>(major(st.st_rdev));
  view.minor = static_cast<int>(minor(st.st_rdev));
  view.events_file = events;
  auto made = vmi::guest::CreateSysfsView(view);
  if (!made.ok()) {
    // Without the sysfs view the port still works for programs that open
    // it directly; only ModemManager's discovery needs the view.
    VMI_LOG(WARN) << "vmi-modem-port: " << made.error().ToString();
    unlink(("/dev/" + name).c_str());
    if (symlink(slave.c_str(), ("/dev/" + name).c_str()) != 0)
      VMI_LOG(ERROR) << "vmi-modem-port: symlink /dev/" << name << ": " << strerror(errno);
  }
  VMI_LOG(INFO) << "vmi-modem-port: /dev/" << name << " -> " << slave;

  // ModemManager's TIOCEXCL would lock the guest's own root out of the port
  // after its first close (port_unlocker.h).
  std::optional<vmi::guest::PortUnlocker> unlocker;
  if (keep) {
    auto u = vmi::guest::PortUnlocker::Create(slave, keep.get());
    if (u.ok()) unlocker.emplace(std::move(*u));
    else VMI_LOG(WARN) << "vmi-modem-port: " << u.error().ToString();
  }

  int backoff_ms = 100;
  auto next_connect = std::chrono::steady_clock::now();
  vmi::UniqueFd host;
  char buf[4096];
  for (;;) {
    if (!host && std::chrono::steady_clock::now() >= next_connect) {
      host = Connect(socket_path);
      if (host) {
        backoff_ms = 100;
        VMI_LOG(INFO) << "vmi-modem-port: connected to " << socket_path;
      } else {
        next_connect = std::chrono::steady_clock::now() + std::chrono::milliseconds(backoff_ms);
        backoff_ms = std::min(backoff_ms * 2, 2000);
      }
    }
    int timeout = unlocker ? unlocker->Tick() : -1;
    if (!host) {
      int wait = vmi::MillisUntil(next_connect);
      timeout = timeout < 0 ? wait : std::min(timeout, wait);
    }
    pollfd p[3] = {{master.get(), POLLIN, 0},
                   {host ? host.get() : -1, POLLIN, 0},
                   {unlocker ? unlocker->fd() : -1, POLLIN, 0}};
    if (poll(p, 3, timeout) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (p[2].revents & POLLIN) unlocker->OnReadable();
    if (p[0].revents & POLLIN) {
      ssize_t n = read(master.get(), buf, sizeof buf);
      // Without the host, what the guest writes is dropped: a modem with no
      // network answers nothing, as a real one without power would.
      if (n > 0 && host && !WriteAll(host.get(), buf, static_cast<size_t>(n))) {
        host.reset();
        VMI_LOG(WARN) << "vmi-modem-port: host modem went away; reconnecting";
      }
    }
    if (host && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = read(host.get(), buf, sizeof buf);
      if (n <= 0) {
        host.reset();
        VMI_LOG(WARN) << "vmi-modem-port: host modem went away; reconnecting";
      } else {
        WriteAll(master.get(), buf, static_cast<size_t>(n));
      }
    }
  }
}
