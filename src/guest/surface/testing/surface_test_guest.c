/* A guest program for the surface protocol's two-process tests
 * (tests/surface). It talks only through libvmi-guest and reports what it
 * sees on stdout, one line per fact, flushed at once.
 *
 *   surface_test_guest pattern N     draw frames 1..N of the test pattern in
 *                                    two buffers, each after the previous
 *                                    frame-done; prints "done K FLAGS P"
 *                                    (P: 1 if a next capture is predicted)
 *   surface_test_guest input         prints every input/display event until
 *                                    it receives the Escape key
 *   surface_test_guest buffers N     creates N buffers, then prints the
 *                                    connection's error
 *   surface_test_guest connect       connects and prints the result
 * The socket path comes from VMI_DEVDIR as in real guests. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "surface_test_pattern.h"
#include "vmi_guest.h"

static int die(const char* what, int r, vmi_surface* s) {
  printf("error %s %d %s\n", what, r, s ? vmi_surface_error(s) : "");
  fflush(stdout);
  return 1;
}

static int run_pattern(vmi_surface* s, uint32_t frames) {
  const vmi_display_info* d = vmi_surface_display(s);
  uint32_t w = d->width, h = d->height;
  uint32_t* img = calloc((size_t)w * h, 4);
  vmi_buffer* bufs[2];
  for (int i = 0; i < 2; ++i) {
    int r = vmi_buffer_create(s, w, h, &bufs[i]);
    if (r) return die("buffer_create", r, s);
  }
  printf("ready %u %u\n", w, h);
  fflush(stdout);
  for (uint32_t k = 1; k <= frames; ++k) {
    vmi_test_apply_frame(img, w, h, k);
    vmi_buffer* b = bufs[k % 2];
    int r = vmi_buffer_wait_free(s, b, 10000);
    if (r) return die("wait_free", r, s);
    /* Whole picture into the buffer; the damage says what changed since the
     * previous frame. */
    for (uint32_t y = 0; y < h; ++y)
      memcpy((char*)vmi_buffer_pixels(b) + (size_t)y * vmi_buffer_stride(b), img + (size_t)y * w,
             (size_t)w * 4);
    vmi_rect rect;
    size_t n = 0;
    if (k > 1) {
      vmi_test_square(k, w, h, &rect.x, &rect.y);
      rect.w = rect.h = VMI_TEST_SQUARE;
      n = 1;
    }
    uint32_t serial, flags = 0;
    r = vmi_surface_present(s, b, n ? &rect : NULL, n, &serial);
    if (r) return die("present", r, s);
    printf("presented %u\n", k);
    fflush(stdout);
    r = vmi_surface_wait_frame_done(s, serial, -1, &flags);
    if (r) return die("wait_frame_done", r, s);
    /* 1 once the library can predict the host's next capture. */
    printf("done %u %u %d\n", k, flags, vmi_surface_next_capture_us(s) != 0);
    fflush(stdout);
  }
  free(img);
  return 0;
}

static int run_input(vmi_surface* s) {
  printf("ready %u %u\n", vmi_surface_display(s)->width, vmi_surface_display(s)->height);
  fflush(stdout);
  for (;;) {
    struct pollfd p = {vmi_surface_fd(s), POLLIN, 0};
    if (poll(&p, 1, -1) < 0 && errno != EINTR) return die("poll", -errno, s);
    vmi_event ev;
    int r;
    while ((r = vmi_surface_next_event(s, &ev)) == 1) {
      switch (ev.type) {
        case VMI_EVENT_TOUCH:
          printf("touch %u %u %d %d\n", ev.u.touch.id, ev.u.touch.action, ev.u.touch.x,
                 ev.u.touch.y);
          break;
        case VMI_EVENT_POINTER:
          printf("pointer %d %d %u\n", ev.u.pointer.x, ev.u.pointer.y, ev.u.pointer.buttons);
          break;
        case VMI_EVENT_KEY:
          printf("key %u %u\n", ev.u.key.keysym, ev.u.key.down);
          break;
        case VMI_EVENT_TEXT:
          printf("text %s\n", ev.u.text.utf8);
          break;
        case VMI_EVENT_DISPLAY:
          printf("display %u %u %u\n", ev.u.display.width, ev.u.display.height,
                 ev.u.display.rotation);
          break;
      }
      fflush(stdout);
      if (ev.type == VMI_EVENT_KEY && ev.u.key.keysym == 0xff1b) return 0;
    }
    if (r < 0) return die("next_event", r, s);
  }
}

static int run_buffers(vmi_surface* s, int n) {
  int r = 0;
  for (int i = 0; i < n && r == 0; ++i) {
    vmi_buffer* b;
    r = vmi_buffer_create(s, 64, 64, &b);
  }
  /* The host answers a violation with an error message and closes. */
  for (int i = 0; i < 200 && r >= 0; ++i) r = vmi_surface_dispatch(s, 100);
  printf("result %d %s\n", r, vmi_surface_error(s));
  fflush(stdout);
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  vmi_surface* s = NULL;
  int r = vmi_surface_connect(NULL, &s);
  if (strcmp(argv[1], "connect") == 0) {
    printf("connect %d\n", r);
    fflush(stdout);
    vmi_surface_disconnect(s);
    return 0;
  }
  if (r) return die("connect", r, NULL);
  int rc = 2;
  if (strcmp(argv[1], "pattern") == 0 && argc > 2) rc = run_pattern(s, (uint32_t)atoi(argv[2]));
  if (strcmp(argv[1], "input") == 0) rc = run_input(s);
  if (strcmp(argv[1], "buffers") == 0 && argc > 2) rc = run_buffers(s, atoi(argv[2]));
  vmi_surface_disconnect(s);
  return rc;
}
