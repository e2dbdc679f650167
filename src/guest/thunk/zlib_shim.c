/* zlib's API for translated guest programs, served by the host's native
 * zlib (README.md). Built for the guest's CPU and linked (or preloaded) in
 * place of the guest's own libz: every call below is a request to
 * vmi-thunkd, which the first call starts as a child process, and which runs
 * the call natively on this process's memory (thunk_wire.h).
 *
 * The prototypes are zlib's (zlib.h 1.2.x, whose ABI these types are), so a
 * program built against zlib links against this library unchanged. If the
 * host half cannot be started or refuses a call, the program stops with a
 * message: a checksum or a stream silently wrong would be worse. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "thunk_wire.h"

typedef unsigned char Bytef;
typedef unsigned long uLong;
typedef unsigned long uLongf;
typedef unsigned int uInt;

#define Z_BUF_ERROR (-5)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int sock = -1;
static pid_t owner; /* the process that started the server (fork changes it) */
static unsigned long calls;

static void fail(const char *what) {
  fprintf(stderr, "vmi thunk (zlib): %s%s%s\n", what, errno ? ": " : "", errno ? strerror(errno) : "");
  _exit(127);
}

static void exchange(const struct vmi_thunk_request *q, struct vmi_thunk_reply *r) {
  if (send(sock, q, sizeof *q, MSG_NOSIGNAL) != (ssize_t)sizeof *q) fail("the host half is gone");
  ssize_t n;
  do n = recv(sock, r, sizeof *r, 0);
  while (n < 0 && errno == EINTR);
  if (n != (ssize_t)sizeof *r || r->magic != VMI_THUNK_MAGIC) fail("the host half is gone");
}

/* Starts vmi-thunkd with one end of a socket pair as its fd 3, then checks
 * that it sees this process's memory at the addresses this process uses. */
static void start(void) {
  int sv[2];
  if (sock >= 0) close(sock); /* a forked child's copy of its parent's server */
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) fail("socketpair");
  const char *path = getenv("VMI_THUNKD");
  if (!path || !*path) path = "/opt/vmi/bin/vmi-thunkd";
  pid_t pid = fork();
  if (pid < 0) fail("fork");
  if (pid == 0) {
    if (sv[1] == 3) fcntl(3, F_SETFD, 0);
    else if (dup2(sv[1], 3) != 3) _exit(127);
    execl(path, "vmi-thunkd", "3", (char *)NULL);
    fprintf(stderr, "vmi thunk (zlib): cannot run the host half %s: %s\n", path, strerror(errno));
    _exit(127);
  }
  close(sv[1]);
  sock = sv[0];
  owner = getpid();
  static volatile uint64_t nonce[2];
  nonce[0] = ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)&pid ^ 0x766d6974686b6e6bull;
  nonce[1] = ~nonce[0] * 0x9e3779b97f4a7c15ull;
  struct vmi_thunk_request q = {VMI_THUNK_MAGIC, VMI_THUNK_VERSION, VMI_THUNK_HELLO,
                                {(uint64_t)(uintptr_t)nonce, 16, nonce[0], nonce[1], 0}};
  struct vmi_thunk_reply r;
  errno = 0;
  exchange(&q, &r);
  if (r.status != 0) {
    errno = 0;
    fail("the host half cannot read this process's memory at its own addresses "
         "(a translator with a guest base other than 0)");
  }
}

static struct vmi_thunk_reply call(uint16_t op, uint64_t a0, uint64_t a1, uint64_t a2,
                                   uint64_t a3, uint64_t a4) {
  struct vmi_thunk_request q = {VMI_THUNK_MAGIC, VMI_THUNK_VERSION, op, {a0, a1, a2, a3, a4}};
  struct vmi_thunk_reply r;
  pthread_mutex_lock(&lock);
  if (sock < 0 || owner != getpid()) start();
  exchange(&q, &r);
  calls++;
  pthread_mutex_unlock(&lock);
  if (r.status <= VMI_THUNK_BAD_MESSAGE) { /* the refusals, -101 and below */
    char why[64];
    snprintf(why, sizeof why, "the host half refused a call (status %d)", (int)r.status);
    errno = 0;
    fail(why);
  }
  return r;
}

#define P(x) ((uint64_t)(uintptr_t)(x))

uLong crc32_z(uLong crc, const Bytef *buf, size_t len) {
  if (!buf) return 0; /* zlib: crc32(0, NULL, 0) is the initial value */
  return (uLong)call(VMI_THUNK_CRC32, crc, P(buf), len, 0, 0).r0;
}
uLong crc32(uLong crc, const Bytef *buf, uInt len) { return crc32_z(crc, buf, len); }

uLong adler32_z(uLong adler, const Bytef *buf, size_t len) {
  if (!buf) return 1;
  return (uLong)call(VMI_THUNK_ADLER32, adler, P(buf), len, 0, 0).r0;
}
uLong adler32(uLong adler, const Bytef *buf, uInt len) { return adler32_z(adler, buf, len); }

/* zlib's bound, computed here: it is arithmetic, not worth a round trip. */
uLong compressBound(uLong n) { return n + (n >> 12) + (n >> 14) + (n >> 25) + 13; }

int compress2(Bytef *dest, uLongf *destLen, const Bytef *source, uLong sourceLen, int level) {
  struct vmi_thunk_reply r =
      call(VMI_THUNK_COMPRESS2, P(dest), *destLen, P(source), sourceLen, (uint64_t)(int64_t)level);
  if (r.status == 0 || r.status == Z_BUF_ERROR) *destLen = (uLongf)r.r0;
  return r.status;
}
int compress(Bytef *dest, uLongf *destLen, const Bytef *source, uLong sourceLen) {
  return compress2(dest, destLen, source, sourceLen, -1);
}

int uncompress(Bytef *dest, uLongf *destLen, const Bytef *source, uLong sourceLen) {
  struct vmi_thunk_reply r = call(VMI_THUNK_UNCOMPRESS, P(dest), *destLen, P(source), sourceLen, 0);
  if (r.status == 0 || r.status == Z_BUF_ERROR) *destLen = (uLongf)r.r0;
  return r.status;
}

/* How many calls this process sent to the host (a test reads it). */
unsigned long vmi_thunk_calls(void) { return calls; }
