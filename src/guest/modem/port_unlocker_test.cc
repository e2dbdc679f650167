#include "guest/modem/port_unlocker.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/unique_fd.h"

namespace vmi::guest {
namespace {

bool Locked(int fd) {
  int locked = 0;
  return ioctl(fd, TIOCGEXCL, &locked) == 0 && locked;
}

// Runs the unlocker as vmi-modem-port's loop does, for `ms`.
void Drive(PortUnlocker& u, int ms) {
  for (int waited = 0; waited < ms;) {
    int t = u.Tick();
    pollfd p{u.fd(), POLLIN, 0};
    int step = t < 0 ? 10 : t;
    if (poll(&p, 1, step) > 0) u.OnReadable();
    waited += step;
  }
  u.Tick();
}

// As ModemManager does: open the port, lock it, use it, close it, open it
// again. The flag must be gone each time the port is opened again (an
// instance's root lacks the capability that ignores it).
TEST(PortUnlocker, ClearsTheExclusiveFlagModemManagerSets) {
  UniqueFd master(posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK));
  ASSERT_TRUE(master);
  ASSERT_EQ(grantpt(master.get()), 0);
  ASSERT_EQ(unlockpt(master.get()), 0);
  std::string slave = ptsname(master.get());
  UniqueFd keep(open(slave.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
  ASSERT_TRUE(keep);
  auto u = PortUnlocker::Create(slave, keep.get());
  ASSERT_TRUE(u.ok()) << u.error().ToString();

  for (int round = 0; round < 3; ++round) {
    UniqueFd mm(open(slave.c_str(), O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    ASSERT_TRUE(mm);
    ASSERT_EQ(ioctl(mm.get(), TIOCEXCL), 0);
    EXPECT_TRUE(Locked(keep.get()));
    Drive(*u, 50);  // the open was seen: the flag is cleared within a few ms
    EXPECT_FALSE(Locked(keep.get())) << "round " << round;
    mm.reset();
  }
  EXPECT_EQ(u->cleared(), 3);
  // With no open seen, it stops looking (no busy polling).
  Drive(*u, 300);
  EXPECT_EQ(u->Tick(), -1);
}

TEST(PortUnlocker, ABadPathIsAnError) {
  EXPECT_FALSE(PortUnlocker::Create("/nonexistent/pts/9", -1).ok());
}

}  // namespace
}  // namespace vmi::guest
