/* libvmi-guest: see vmi_guest.h for the API and docs/surface-protocol.md for
 * the wire format this file speaks. Plain C11 so it builds for any guest
 * (including the Android NDK) and never throws. */
#define _GNU_SOURCE
#include "vmi_guest.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum {
  HEADER_SIZE = 8,
  MAX_MESSAGE = 4096,
  MAX_RECTS = 64,
  EVENT_QUEUE = 256,
  CONNECT_TIMEOUT_MS = 5000,
  /* guest -> host */
  MSG_HELLO = 0x0001,
  MSG_ADD_BUFFER = 0x0002,
  MSG_REMOVE_BUFFER = 0x0003,
  MSG_PRESENT = 0x0004,
  /* host -> guest */
  MSG_WELCOME = 0x0101,
  MSG_DISPLAY_INFO = 0x0102,
  MSG_FRAME_DONE = 0x0103,
  MSG_RELEASE = 0x0104,
  MSG_ERROR = 0x0105,
  MSG_POINTER = 0x0110,
  MSG_KEY = 0x0111,
  MSG_TOUCH = 0x0112,
  MSG_TEXT = 0x0113,
  /* error codes of MSG_ERROR */
  WIRE_VERSION = 2,
  WIRE_BUSY = 5,
};

struct vmi_buffer {
  struct vmi_buffer* next;
  uint32_t id, width, height, stride;
  void* pixels;
  size_t size;
  int busy;
};

struct vmi_surface {
  int fd;
  int failed; /* negative errno once the connection is unusable, else 0 */
  char error[300];
  int welcomed;
  int have_display;
  uint32_t max_buffers;
  uint64_t max_buffer_bytes;
  vmi_display_info display;
  struct vmi_buffer* buffers;
  uint32_t next_buffer_id;
  uint32_t next_serial;
  uint32_t done_serial; /* the latest frame-done received */
  struct {
    uint32_t serial, flags;
  } done_ring[16]; /* flags of the latest frame-dones, by serial */
  unsigned done_next;
  uint64_t last_displayed_us; /* host time of the latest DISPLAYED frame-done */
  /* Gaps between the latest DISPLAYED frame-dones. A late guest only ever
   * lengthens a gap, so the shortest recent one is the host's cadence. */
  uint32_t gaps_us[16];
  unsigned gap_count;
  int any_done;
  vmi_event events[EVENT_QUEUE];
  unsigned ev_head, ev_count;
  uint64_t dropped;
};

/* --- little-endian helpers ------------------------------------------------ */

static void put16(uint8_t* p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get32(const uint8_t* p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get64(const uint8_t* p) {
  return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}
static void header(uint8_t* p, uint16_t type, uint32_t payload) {
  put16(p, type);
  put16(p + 2, 0);
  put32(p + 4, payload);
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int fail(vmi_surface* s, int err, const char* what) {
  if (s->failed == 0) {
    s->failed = err;
    snprintf(s->error, sizeof s->error, "%s", what);
  }
  return err;
}

/* --- sending -------------------------------------------------------------- */

static int send_msg(vmi_surface* s, const uint8_t* msg, size_t len, int fd) {
  if (s->failed) return s->failed;
  struct iovec iov = {(void*)msg, len};
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int))];
  } ctl;
  if (fd >= 0) {
    memset(&ctl, 0, sizeof ctl);
    mh.msg_control = ctl.buf;
    mh.msg_controllen = sizeof ctl.buf;
    struct cmsghdr* c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
  }
  for (;;) {
    ssize_t n = sendmsg(s->fd, &mh, MSG_NOSIGNAL);
    if (n >= 0) return 0;
    if (errno == EINTR) continue;
    /* The host may have closed us with an explanation: read it first. */
    int e = errno;
    vmi_surface_dispatch(s, 0);
    if (s->failed) return s->failed;
    return fail(s, e == EPIPE ? -ECONNRESET : -e, "send to the host failed");
  }
}

/* --- receiving ------------------------------------------------------------ */

static vmi_event* push_event(vmi_surface* s) {
  if (s->ev_count == EVENT_QUEUE) {
    s->ev_head = (s->ev_head + 1) % EVENT_QUEUE;
    s->ev_count--;
    s->dropped++;
  }
  vmi_event* ev = &s->events[(s->ev_head + s->ev_count) % EVENT_QUEUE];
  s->ev_count++;
  memset(ev, 0, offsetof(vmi_event, u) + sizeof ev->u.touch);
  return ev;
}

/* Handles one host message; returns 0 or a negative errno. The host is
 * trusted more than the guest is, but lengths are still checked. */
static int handle(vmi_surface* s, const uint8_t* m, size_t n) {
  if (n < HEADER_SIZE || get32(m + 4) != n - HEADER_SIZE)
    return fail(s, -EPROTO, "malformed message from the host");
  uint16_t type = (uint16_t)(m[0] | m[1] << 8);
  const uint8_t* p = m + HEADER_SIZE;
  size_t len = n - HEADER_SIZE;
#define NEED(x) \
  if (len < (x)) return fail(s, -EPROTO, "short message from the host")
  switch (type) {
    case MSG_WELCOME:
      NEED(24);
      if (get32(p) != VMI_GUEST_PROTOCOL_VERSION)
        return fail(s, -EPROTONOSUPPORT, "the host speaks another protocol version");
      s->max_buffers = get32(p + 4);
      s->max_buffer_bytes = get64(p + 16);
      s->welcomed = 1;
      return 0;
    case MSG_DISPLAY_INFO: {
      NEED(28);
      vmi_display_info d = {get32(p),      get32(p + 4),  get32(p + 8), get32(p + 12),
                            get32(p + 16), get32(p + 20), get32(p + 24)};
      int changed = s->have_display && d.serial != s->display.serial;
      s->display = d;
      s->have_display = 1;
      if (changed) {
        vmi_event* ev = push_event(s);
        ev->type = VMI_EVENT_DISPLAY;
        ev->u.display = d;
      }
      return 0;
    }
    case MSG_FRAME_DONE:
      NEED(16);
      s->done_serial = get32(p);
      s->done_ring[s->done_next % 16].serial = s->done_serial;
      s->done_ring[s->done_next % 16].flags = get32(p + 4);
      s->done_next++;
      if (get32(p + 4) & VMI_FRAME_DISPLAYED) {
        uint64_t t = get64(p + 8);
        uint64_t gap = t - s->last_displayed_us;
        if (s->last_displayed_us != 0 && t > s->last_displayed_us && gap < 1000000) {
          s->gaps_us[s->gap_count % 16] = (uint32_t)gap;
          s->gap_count++;
        } else {
          s->gap_count = 0; /* a pause: the cadence is unknown again */
        }
        s->last_displayed_us = t;
      }
      s->any_done = 1;
      return 0;
    case MSG_RELEASE: {
      NEED(4);
      uint32_t id = get32(p);
      for (struct vmi_buffer* b = s->buffers; b; b = b->next)
        if (b->id == id) b->busy = 0;
      return 0;
    }
    case MSG_ERROR: {
      NEED(4);
      uint32_t code = get32(p);
      size_t tl = len - 4 < sizeof s->error - 1 ? len - 4 : sizeof s->error - 1;
      int err = code == WIRE_BUSY ? -EBUSY : code == WIRE_VERSION ? -EPROTONOSUPPORT : -EPROTO;
      if (s->failed == 0) {
        s->failed = err;
        memcpy(s->error, p + 4, tl);
        s->error[tl] = 0;
      }
      return err;
    }
    case MSG_POINTER: {
      NEED(24);
      vmi_event* ev = push_event(s);
      ev->type = VMI_EVENT_POINTER;
      ev->u.pointer.x = (int32_t)get32(p);
      ev->u.pointer.y = (int32_t)get32(p + 4);
      ev->u.pointer.buttons = get32(p + 8);
      ev->time_us = get64(p + 16);
      return 0;
    }
    case MSG_KEY: {
      NEED(16);
      vmi_event* ev = push_event(s);
      ev->type = VMI_EVENT_KEY;
      ev->u.key.keysym = get32(p);
      ev->u.key.down = get32(p + 4);
      ev->time_us = get64(p + 8);
      return 0;
    }
    case MSG_TOUCH: {
      NEED(24);
      vmi_event* ev = push_event(s);
      ev->type = VMI_EVENT_TOUCH;
      ev->u.touch.id = get32(p);
      ev->u.touch.action = get32(p + 4);
      ev->u.touch.x = (int32_t)get32(p + 8);
      ev->u.touch.y = (int32_t)get32(p + 12);
      ev->time_us = get64(p + 16);
      return 0;
    }
    case MSG_TEXT: {
      NEED(8);
      if (len - 8 > VMI_TEXT_MAX) return fail(s, -EPROTO, "oversized text from the host");
      vmi_event* ev = push_event(s);
      ev->type = VMI_EVENT_TEXT;
      ev->time_us = get64(p);
      ev->u.text.len = (uint32_t)(len - 8);
      memcpy(ev->u.text.utf8, p + 8, len - 8);
      ev->u.text.utf8[len - 8] = 0;
      return 0;
    }
    default:
      return 0; /* a newer host's message: ignored, as the protocol says */
  }
#undef NEED
}

/* Reads one message without blocking: 1 handled, 0 none ready, <0 error. */
static int read_one(vmi_surface* s) {
  uint8_t buf[MAX_MESSAGE + 1];
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int) * 4)];
  } ctl;
  struct iovec iov = {buf, sizeof buf};
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = ctl.buf;
  mh.msg_controllen = sizeof ctl.buf;
  ssize_t n = recvmsg(s->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  /* A peer that closed with our messages unread makes the next recv fail
   * once with ECONNRESET, before the messages it sent us (its Error): read
   * on. */
  if (n < 0 && errno == ECONNRESET) n = recvmsg(s->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return 0;
    return fail(s, -errno, "receive from the host failed");
  }
  /* The host never sends fds; close any that came. */
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < k; ++i) {
        int f;
        memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof f);
        close(f);
      }
    }
  }
  if (n == 0) return fail(s, -ECONNRESET, "the host closed the connection");
  if (mh.msg_flags & MSG_TRUNC) return fail(s, -EPROTO, "oversized message from the host");
  int r = handle(s, buf, (size_t)n);
  return r < 0 ? r : 1;
}

int vmi_surface_dispatch(vmi_surface* s, int timeout_ms) {
  if (!s) return -EINVAL;
  int handled = 0;
  for (;;) {
    int r = read_one(s);
    if (r < 0) return r;
    if (r == 0) break;
    ++handled;
  }
  if (handled > 0 || timeout_ms == 0 || s->failed) return s->failed ? s->failed : handled;
  struct pollfd pfd = {s->fd, POLLIN, 0};
  int pr = poll(&pfd, 1, timeout_ms);
  if (pr < 0) return errno == EINTR ? 0 : fail(s, -errno, "poll failed");
  if (pr == 0) return 0;
  for (;;) {
    int r = read_one(s);
    if (r < 0) return r;
    if (r == 0) break;
    ++handled;
  }
  return handled;
}

/* Dispatches until cond(s) holds or the deadline passes. */
static int wait_until(vmi_surface* s, int (*cond)(vmi_surface*, const void*), const void* arg,
                      int timeout_ms) {
  int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
  for (;;) {
    if (cond(s, arg)) return 0;
    if (s->failed) return s->failed;
    int left = -1;
    if (deadline >= 0) {
      int64_t l = deadline - now_ms();
      if (l <= 0) return -ETIMEDOUT;
      left = (int)l;
    }
    int r = vmi_surface_dispatch(s, left);
    if (r < 0) return r;
  }
}

/* --- connection ----------------------------------------------------------- */

static int handshake_done(vmi_surface* s, const void* arg) {
  (void)arg;
  return s->welcomed && s->have_display;
}

int vmi_surface_connect(const char* path, vmi_surface** out) {
  if (!out) return -EINVAL;
  *out = NULL;
  char buf[sizeof(((struct sockaddr_un*)0)->sun_path)];
  if (!path) {
    const char* dir = getenv("VMI_DEVDIR");
    if (!dir || !*dir) dir = "/run/vmi";
    if ((size_t)snprintf(buf, sizeof buf, "%s/surface.sock", dir) >= sizeof buf)
      return -ENAMETOOLONG;
    path = buf;
  }
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof addr.sun_path) return -ENAMETOOLONG;
  strcpy(addr.sun_path, path);

  vmi_surface* s = calloc(1, sizeof *s);
  if (!s) return -ENOMEM;
  s->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (s->fd < 0) {
    int e = -errno;
    free(s);
    return e;
  }
  if (connect(s->fd, (struct sockaddr*)&addr, sizeof addr) != 0) {
    int e = -errno;
    close(s->fd);
    free(s);
    return e;
  }
  s->next_buffer_id = 1;
  s->next_serial = 1;
  uint8_t hello[HEADER_SIZE + 8];
  header(hello, MSG_HELLO, 8);
  memcpy(hello + 8, "VMIS", 4);
  put32(hello + 12, VMI_GUEST_PROTOCOL_VERSION);
  int r = send_msg(s, hello, sizeof hello, -1);
  if (r == 0) r = wait_until(s, handshake_done, NULL, CONNECT_TIMEOUT_MS);
  if (r != 0) {
    if (getenv("VMI_GUEST_DEBUG")) fprintf(stderr, "vmi-guest: connect: %s\n", s->error);
    vmi_surface_disconnect(s);
    return r;
  }
  *out = s;
  return 0;
}

void vmi_surface_disconnect(vmi_surface* s) {
  if (!s) return;
  while (s->buffers) {
    struct vmi_buffer* b = s->buffers;
    s->buffers = b->next;
    munmap(b->pixels, b->size);
    free(b);
  }
  close(s->fd);
  free(s);
}

int vmi_surface_fd(const vmi_surface* s) { return s ? s->fd : -1; }
const vmi_display_info* vmi_surface_display(const vmi_surface* s) { return s ? &s->display : NULL; }
const char* vmi_surface_error(const vmi_surface* s) { return s ? s->error : "no surface"; }
uint64_t vmi_surface_dropped_events(const vmi_surface* s) { return s ? s->dropped : 0; }

/* --- buffers -------------------------------------------------------------- */

int vmi_buffer_create(vmi_surface* s, uint32_t width, uint32_t height, vmi_buffer** out) {
  if (!s || !out || width == 0 || height == 0 || width > 8192 || height > 8192) return -EINVAL;
  *out = NULL;
  if (s->failed) return s->failed;
  uint32_t stride = width * 4;
  size_t size = (size_t)stride * height;
  int fd = memfd_create("vmi-surface", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return -errno;
  int r = 0;
  void* px = MAP_FAILED;
  if (ftruncate(fd, (off_t)size) != 0 ||
      /* The host requires SHRINK (it maps the pages); GROW and SEAL make the
       * size final for everyone. */
      fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
    r = -errno;
  } else {
    px = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (px == MAP_FAILED) r = -errno;
  }
  struct vmi_buffer* b = NULL;
  if (r == 0) {
    b = calloc(1, sizeof *b);
    if (!b) r = -ENOMEM;
  }
  if (r == 0) {
    b->id = s->next_buffer_id++;
    b->width = width;
    b->height = height;
    b->stride = stride;
    b->pixels = px;
    b->size = size;
    uint8_t m[HEADER_SIZE + 20];
    header(m, MSG_ADD_BUFFER, 20);
    put32(m + 8, b->id);
    put32(m + 12, width);
    put32(m + 16, height);
    put32(m + 20, stride);
    put32(m + 24, VMI_FORMAT_XRGB8888);
    r = send_msg(s, m, sizeof m, fd);
  }
  close(fd); /* the mappings (ours and the host's) keep the pages */
  if (r != 0) {
    if (px != MAP_FAILED) munmap(px, size);
    free(b);
    return r;
  }
  b->next = s->buffers;
  s->buffers = b;
  *out = b;
  return 0;
}

int vmi_buffer_destroy(vmi_surface* s, vmi_buffer* b) {
  if (!s || !b) return -EINVAL;
  struct vmi_buffer** pp = &s->buffers;
  while (*pp && *pp != b) pp = &(*pp)->next;
  if (!*pp) return -EINVAL;
  *pp = b->next;
  uint8_t m[HEADER_SIZE + 4];
  header(m, MSG_REMOVE_BUFFER, 4);
  put32(m + 8, b->id);
  int r = send_msg(s, m, sizeof m, -1);
  munmap(b->pixels, b->size);
  free(b);
  return r;
}

void* vmi_buffer_pixels(const vmi_buffer* b) { return b ? b->pixels : NULL; }
uint32_t vmi_buffer_width(const vmi_buffer* b) { return b ? b->width : 0; }
uint32_t vmi_buffer_height(const vmi_buffer* b) { return b ? b->height : 0; }
uint32_t vmi_buffer_stride(const vmi_buffer* b) { return b ? b->stride : 0; }
uint32_t vmi_buffer_id(const vmi_buffer* b) { return b ? b->id : 0; }
int vmi_buffer_busy(const vmi_buffer* b) { return b ? b->busy : 0; }

static int buffer_free(vmi_surface* s, const void* arg) {
  (void)s;
  return !((const struct vmi_buffer*)arg)->busy;
}

int vmi_buffer_wait_free(vmi_surface* s, vmi_buffer* b, int timeout_ms) {
  if (!s || !b) return -EINVAL;
  return wait_until(s, buffer_free, b, timeout_ms);
}

/* --- frames --------------------------------------------------------------- */

int vmi_surface_present(vmi_surface* s, vmi_buffer* b, const vmi_rect* damage, size_t count,
                        uint32_t* serial_out) {
  if (!s || !b || count > MAX_RECTS || (count > 0 && !damage)) return -EINVAL;
  for (size_t i = 0; i < count; ++i) {
    const vmi_rect* r = &damage[i];
    if (r->x < 0 || r->y < 0 || r->w <= 0 || r->h <= 0 || (int64_t)r->x + r->w > b->width ||
        (int64_t)r->y + r->h > b->height)
      return -EINVAL;
  }
  uint8_t m[HEADER_SIZE + 12 + 16 * MAX_RECTS];
  size_t payload = 12 + 16 * count;
  uint32_t serial = s->next_serial++;
  header(m, MSG_PRESENT, (uint32_t)payload);
  put32(m + 8, b->id);
  put32(m + 12, serial);
  put32(m + 16, (uint32_t)count);
  for (size_t i = 0; i < count; ++i) {
    uint8_t* r = m + 20 + 16 * i;
    put32(r, (uint32_t)damage[i].x);
    put32(r + 4, (uint32_t)damage[i].y);
    put32(r + 8, (uint32_t)damage[i].w);
    put32(r + 12, (uint32_t)damage[i].h);
  }
  int r = send_msg(s, m, HEADER_SIZE + payload, -1);
  if (r != 0) return r;
  b->busy = 1;
  if (serial_out) *serial_out = serial;
  return 0;
}

static int frame_done(vmi_surface* s, const void* arg) {
  uint32_t serial = *(const uint32_t*)arg;
  /* Serials increase by one per present and wrap; done ones come in order. */
  return s->any_done && (int32_t)(s->done_serial - serial) >= 0;
}

int vmi_surface_wait_frame_done(vmi_surface* s, uint32_t serial, int timeout_ms,
                                uint32_t* flags_out) {
  if (!s) return -EINVAL;
  int r = wait_until(s, frame_done, &serial, timeout_ms);
  if (r == 0 && flags_out) {
    *flags_out = 0;
    for (unsigned i = 0; i < 16; ++i)
      if (s->done_ring[i].serial == serial) *flags_out = s->done_ring[i].flags;
  }
  return r;
}

uint64_t vmi_surface_next_capture_us(const vmi_surface* s) {
  if (!s || s->gap_count < 4) return 0;
  unsigned n = s->gap_count < 16 ? s->gap_count : 16;
  uint32_t shortest = s->gaps_us[0];
  for (unsigned i = 1; i < n; ++i)
    if (s->gaps_us[i] < shortest) shortest = s->gaps_us[i];
  return s->last_displayed_us + shortest;
}

/* --- events --------------------------------------------------------------- */

int vmi_surface_next_event(vmi_surface* s, vmi_event* ev) {
  if (!s || !ev) return -EINVAL;
  if (s->ev_count == 0) {
    int r = vmi_surface_dispatch(s, 0);
    if (r < 0 && s->ev_count == 0) return r;
  }
  if (s->ev_count == 0) return 0;
  *ev = s->events[s->ev_head];
  s->ev_head = (s->ev_head + 1) % EVENT_QUEUE;
  s->ev_count--;
  return 1;
}
