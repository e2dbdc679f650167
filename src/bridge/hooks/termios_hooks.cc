// termios: bionic uses the kernel's struct termios (4 flag words, c_line,
// c_cc[19]: 36 bytes) and keeps the line speed only in c_cflag's CBAUD
// bits; glibc's struct has c_cc[32] plus c_ispeed/c_ospeed (60 bytes), so
// its tcgetattr would write past a bionic struct. These hooks convert and
// implement the cf* speed functions on c_cflag as bionic does. Thread-safe.
#include <errno.h>
#include <sys/ioctl.h>
#include <termios.h>

#include <cstring>

#include "bridge/hooks/hooks.h"

namespace vmi::bridge::hooks {
namespace {

constexpr int kBionicNccs = 19;
struct BionicTermios {
  tcflag_t c_iflag, c_oflag, c_cflag, c_lflag;
  cc_t c_line;
  cc_t c_cc[kBionicNccs];
};
static_assert(sizeof(BionicTermios) == 36);

int Tcgetattr(int fd, BionicTermios* t) {
  struct termios g;
  if (tcgetattr(fd, &g) != 0) return -1;
  t->c_iflag = g.c_iflag;
  t->c_oflag = g.c_oflag;
  t->c_cflag = g.c_cflag;
  t->c_lflag = g.c_lflag;
  t->c_line = g.c_line;
  memcpy(t->c_cc, g.c_cc, kBionicNccs);
  return 0;
}

int Tcsetattr(int fd, int action, const BionicTermios* t) {
  struct termios g {};
  g.c_iflag = t->c_iflag;
  g.c_oflag = t->c_oflag;
  g.c_cflag = t->c_cflag;
  g.c_lflag = t->c_lflag;
  g.c_line = t->c_line;
  memcpy(g.c_cc, t->c_cc, kBionicNccs);
  g.c_ispeed = g.c_ospeed = t->c_cflag & CBAUD;
  return tcsetattr(fd, action, &g);
}

speed_t Cfgetspeed(const BionicTermios* t) { return t->c_cflag & CBAUD; }
int Cfsetspeed(BionicTermios* t, speed_t speed) {
  if ((speed & ~CBAUD) != 0) {
    errno = EINVAL;
    return -1;
  }
  t->c_cflag = (t->c_cflag & ~CBAUD) | speed;
  return 0;
}
void Cfmakeraw(BionicTermios* t) {
  t->c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
  t->c_oflag &= ~OPOST;
  t->c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
  t->c_cflag &= ~(CSIZE | PARENB);
  t->c_cflag |= CS8;
  t->c_cc[VMIN] = 1;
  t->c_cc[VTIME] = 0;
}
int Tcgetwinsize(int fd, struct winsize* ws) { return ioctl(fd, TIOCGWINSZ, ws); }
int Tcsetwinsize(int fd, const struct winsize* ws) { return ioctl(fd, TIOCSWINSZ, ws); }

const HookEntry kHooks[] = {
    VMI_HOOK("tcgetattr", Tcgetattr),
    VMI_HOOK("tcsetattr", Tcsetattr),
    VMI_HOOK("cfgetispeed", Cfgetspeed),
    VMI_HOOK("cfgetospeed", Cfgetspeed),
    VMI_HOOK("cfsetispeed", Cfsetspeed),
    VMI_HOOK("cfsetospeed", Cfsetspeed),
    VMI_HOOK("cfsetspeed", Cfsetspeed),
    VMI_HOOK("cfmakeraw", Cfmakeraw),
    VMI_HOOK("tcgetwinsize", Tcgetwinsize),
    VMI_HOOK("tcsetwinsize", Tcsetwinsize),
};

}  // namespace

void AddTermiosHooks(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }

}  // namespace vmi::bridge::hooks
