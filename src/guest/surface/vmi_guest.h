/*
 * libvmi-guest: the guest end of the vmi guest surface protocol, for guests
 * that are not X11 (Android composer HALs, native programs). C ABI; no C++
 * exception ever crosses it.
 *
 * A guest connects to the host's display socket, allocates pixel buffers
 * (sealed memfds shared with the host once, then named by id), draws into
 * them, presents them with damage rectangles, waits for the host's
 * frame-done to pace itself, and reads input events (multi-touch, pointer,
 * keys, text) and display changes (rotation).
 *
 *   vmi_surface* s;
 *   if (vmi_surface_connect(NULL, &s) != 0) ...;
 *   const vmi_display_info* d = vmi_surface_display(s);
 *   vmi_buffer* b;
 *   vmi_buffer_create(s, d->width, d->height, &b);
 *   ... draw into vmi_buffer_pixels(b) (XRGB8888: bytes B, G, R, X) ...
 *   uint32_t serial;
 *   vmi_surface_present(s, b, NULL, 0, &serial);
 *   vmi_surface_wait_frame_done(s, serial, -1, NULL);
 *
 * Errors: functions returning int return 0 (or a count) on success and a
 * negative errno on failure: -EPROTO when the host closed the connection for
 * a protocol violation (vmi_surface_error() says why), -EBUSY when another
 * guest owns the display, -ECONNRESET when the host went away, -ETIMEDOUT,
 * -EINVAL for bad arguments. After a connection error every call fails;
 * disconnect and connect again.
 *
 * Threads: a vmi_surface and its buffers are used by one thread at a time.
 * Buffers are owned by their surface; vmi_surface_disconnect frees them.
 */
#ifndef VMI_GUEST_H
#define VMI_GUEST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMI_GUEST_PROTOCOL_VERSION 1
#define VMI_FORMAT_XRGB8888 1
#define VMI_TEXT_MAX 1024

typedef struct vmi_surface vmi_surface;
typedef struct vmi_buffer vmi_buffer;

typedef struct vmi_display_info {
  uint32_t width;
  uint32_t height;
  uint32_t format;      /* VMI_FORMAT_XRGB8888 */
  uint32_t refresh_mhz; /* refresh rate in millihertz */
  uint32_t dpi;
  uint32_t rotation; /* degrees: 0, 90, 180, 270 */
  uint32_t serial;   /* increases with every change */
} vmi_display_info;

typedef struct vmi_rect {
  int32_t x, y, w, h;
} vmi_rect;

enum vmi_event_type {
  VMI_EVENT_POINTER = 1,
  VMI_EVENT_KEY = 2,
  VMI_EVENT_TOUCH = 3,
  VMI_EVENT_TEXT = 4,
  VMI_EVENT_DISPLAY = 5, /* the display changed size or rotation */
};

enum vmi_touch_action {
  VMI_TOUCH_DOWN = 0,
  VMI_TOUCH_MOVE = 1,
  VMI_TOUCH_UP = 2,
  VMI_TOUCH_CANCEL = 3,
};

/* Frame-done flags. */
#define VMI_FRAME_DISPLAYED 1u /* a host consumer captured the frame */
#define VMI_FRAME_DROPPED 2u   /* replaced by a later present before any capture */

typedef struct vmi_event {
  uint32_t type;    /* enum vmi_event_type */
  uint64_t time_us; /* host CLOCK_MONOTONIC when the host sent it */
  union {
    struct {
      int32_t x, y;
      uint32_t buttons; /* bit 0 left, 1 middle, 2 right, 3/4 wheel up/down */
    } pointer;
    struct {
      uint32_t keysym; /* X11 keysym */
      uint32_t down;
    } key;
    struct {
      uint32_t id;     /* finger id, stable from down to up */
      uint32_t action; /* enum vmi_touch_action */
      int32_t x, y;
    } touch;
    struct {
      uint32_t len;
      char utf8[VMI_TEXT_MAX + 1]; /* NUL-terminated */
    } text;
    vmi_display_info display;
  } u;
} vmi_event;

/* Connects and completes the handshake (waits up to 5 s for the host).
 * path NULL means $VMI_DEVDIR/surface.sock, or /run/vmi/surface.sock. */
int vmi_surface_connect(const char* path, vmi_surface** out);
/* Frees the surface and all its buffers and closes the connection. NULL ok. */
void vmi_surface_disconnect(vmi_surface* s);

/* Readable when host messages wait; then call vmi_surface_dispatch (or
 * vmi_surface_next_event, which dispatches when its queue is empty). */
int vmi_surface_fd(const vmi_surface* s);
/* Reads and handles host messages: waits up to timeout_ms (-1: forever, 0:
 * not at all) for the first, then takes all that are ready. Returns the
 * number handled. */
int vmi_surface_dispatch(vmi_surface* s, int timeout_ms);
const vmi_display_info* vmi_surface_display(const vmi_surface* s);
/* Why the connection failed ("" if it did not): the host's own words when
 * it sent an error. */
const char* vmi_surface_error(const vmi_surface* s);

/* Allocates a width x height XRGB8888 buffer (a memfd sealed against
 * shrinking and growing), maps it and shares it with the host. */
int vmi_buffer_create(vmi_surface* s, uint32_t width, uint32_t height, vmi_buffer** out);
/* Tells the host to forget the buffer and frees it. */
int vmi_buffer_destroy(vmi_surface* s, vmi_buffer* b);
void* vmi_buffer_pixels(const vmi_buffer* b);
uint32_t vmi_buffer_width(const vmi_buffer* b);
uint32_t vmi_buffer_height(const vmi_buffer* b);
uint32_t vmi_buffer_stride(const vmi_buffer* b);
uint32_t vmi_buffer_id(const vmi_buffer* b);
/* 1 from its present until the host releases it: do not draw into it then. */
int vmi_buffer_busy(const vmi_buffer* b);
/* Waits until the buffer is released (0) or timeout_ms passes (-ETIMEDOUT). */
int vmi_buffer_wait_free(vmi_surface* s, vmi_buffer* b, int timeout_ms);

/* Shows the buffer. damage lists the rectangles that changed since the
 * previous present (count 0: the whole buffer); at most 64, each inside the
 * buffer. serial_out (may be NULL) receives the frame's serial. */
int vmi_surface_present(vmi_surface* s, vmi_buffer* b, const vmi_rect* damage, size_t count,
                        uint32_t* serial_out);
/* Waits for the frame-done of `serial` (the host displayed, dropped or
 * idled it); flags_out (may be NULL) receives VMI_FRAME_* flags. */
int vmi_surface_wait_frame_done(vmi_surface* s, uint32_t serial, int timeout_ms,
                                uint32_t* flags_out);

/* When the host is expected to capture the next frame (CLOCK_MONOTONIC
 * microseconds), predicted from the times of past frame-dones of displayed
 * frames; 0 while unknown (nobody watches, or too few frames yet). A guest
 * that wants its pictures fresh when captured sleeps until shortly before it,
 * then draws and presents (the demo's --late-ms). */
uint64_t vmi_surface_next_capture_us(const vmi_surface* s);

/* Takes the next input or display event: 1 if one was stored in *ev, 0 if
 * none is pending (never blocks). Events are kept in order; if the guest
 * falls more than 256 events behind, the oldest are dropped and counted. */
int vmi_surface_next_event(vmi_surface* s, vmi_event* ev);
uint64_t vmi_surface_dropped_events(const vmi_surface* s);

#ifdef __cplusplus
}
#endif

#endif /* VMI_GUEST_H */
