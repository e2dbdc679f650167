// vmi-thunkd FD: the host-native half of the guest thunk libraries
// (README.md). A translated guest process starts it on its first thunked
// call, with one end of a SOCK_SEQPACKET pair as FD; it serves that process
// (its parent) until the socket closes, one request at a time.
//
// Linked statically: it runs inside foreign-architecture instances, whose
// root file system has no host-architecture libraries.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "guest/thunk/thunk_server.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: vmi-thunkd FD (started by a guest thunk library)\n");
    return 2;
  }
  int fd = atoi(argv[1]);
  pid_t guest = getppid();
  for (;;) {
    vmi_thunk_request q;
    ssize_t n = recv(fd, &q, sizeof q, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) return 0;  // the guest closed its end or exited
    if (n < 0) {
      perror("vmi-thunkd: recv");
      return 1;
    }
    vmi_thunk_reply r = n == static_cast<ssize_t>(sizeof q)
                            ? vmi::thunk::Serve(guest, q)
                            : vmi_thunk_reply{VMI_THUNK_MAGIC, VMI_THUNK_BAD_MESSAGE, 0, 0};
    if (send(fd, &r, sizeof r, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof r)) return 1;
  }
}
