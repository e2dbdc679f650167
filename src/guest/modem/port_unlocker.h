// PortUnlocker: keeps the guest modem port's exclusive flag clear.
//
// ModemManager opens a serial port and locks it with TIOCEXCL; later opens
// of the same tty then fail with EBUSY unless the opener has CAP_SYS_ADMIN
// in the host's user namespace, which an instance's root never has. The
// flag belongs to the tty, not to the open file, and vmi-modem-port keeps
// the pty's slave open (so its master never reads EIO), so the flag outlives
// ModemManager's close: its next open of the port (it opens and closes the
// port once per plugin while probing, then again to initialise the modem)
// failed with "Device or resource busy" and the modem was declared unusable.
//
// The relay therefore clears the flag (TIOCNXCL on its own slave fd) as soon
// as it appears: an inotify watch on the pty reports every open and close;
// after an open the flag is looked at every 2 ms for 250 ms (ModemManager
// sets it right after open()), after a close it is cleared at once. The lock
// kept other programs of the instance off the port; inside one instance they
// all belong to the same owner, so nothing is lost.
//
// Threads: none; the owner polls fd() and calls OnReadable()/Tick().
#pragma once

#include <chrono>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace vmi::guest {

class PortUnlocker {
 public:
  // `slave_fd` is borrowed and must stay open as long as this object.
  static Result<PortUnlocker> Create(const std::string& slave_path, int slave_fd);

  // Readable when the port was opened or closed.
  int fd() const { return inotify_.get(); }
  // Drains the watch's events.
  void OnReadable();
  // Clears the flag if set; returns the poll timeout (ms) it wants next
  // (-1: none).
  int Tick();
  // How many times the flag was found set and cleared.
  int cleared() const { return cleared_; }

 private:
  PortUnlocker() = default;

  UniqueFd inotify_;
  int slave_fd_ = -1;
  std::chrono::steady_clock::time_point watch_until_{};
  int cleared_ = 0;
};

}  // namespace vmi::guest
