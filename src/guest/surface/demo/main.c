/* vmi-surface-demo: a guest program that draws through libvmi-guest.
 *
 *   vmi-surface-demo [--mode shapes|clock] [--frames N] [--late-ms MS]
 *                    [--retry SECONDS] [--path SOCKET]
 *
 * --late-ms MS: wait until MS milliseconds before the host's predicted next
 *         capture before drawing each frame (lower latency when the host
 *         captures at a fixed rate).
 *
 * shapes: moving shapes over a static background.
 * clock:  a frame counter and the CLOCK_MONOTONIC time (microseconds, read
 *         just before drawing) as machine-readable cells plus digits, for
 *         glass-to-glass latency measurements. Layout (cell = min(16, W/32)
 *         pixels, white = 1, black = 0, most significant bit left):
 *           row 0 (y 0..cell-1):        time bits 63..32
 *           row 1 (y cell..2*cell-1):   time bits 31..0
 *           row 2 (y 2*cell..3*cell-1): frame counter bits 31..0
 * In both modes each finger on the screen (and the pointer while its left
 * button is down) draws a circle where it is. Every frame is paced by the
 * host's frame-done; damage covers only what changed. A display change
 * (rotation) reallocates the buffers at the new size. At the end it prints
 * one JSON line with the frame count and rate. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "draw.h"
#include "vmi_guest.h"

#define MAX_FINGERS 16
#define MAX_DYN 24
#define POINTER_FINGER 0xffffffffu

typedef struct finger {
  int active;
  uint32_t id;
  int x, y;
} finger;

typedef struct demo {
  vmi_surface* s;
  vmi_buffer* bufs[2];
  uint32_t w, h;
  uint32_t* background;
  finger fingers[MAX_FINGERS];
  vmi_rect prev[MAX_DYN];
  int prev_n;
  int full; /* the next frame must be presented whole */
  int clock_mode;
  int late_us;      /* draw this long before the predicted capture; 0: at once */
  uint64_t draw_us; /* moving average of the time from drawing to present */
  uint64_t presented, displayed, dropped;
} demo;

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) {
  (void)sig;
  g_stop = 1;
}

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int setup_buffers(demo* d) {
  for (int i = 0; i < 2; ++i) {
    if (d->bufs[i]) vmi_buffer_destroy(d->s, d->bufs[i]);
    d->bufs[i] = NULL;
  }
  const vmi_display_info* info = vmi_surface_display(d->s);
  d->w = info->width;
  d->h = info->height;
  free(d->background);
  d->background = malloc((size_t)d->w * d->h * 4);
  if (!d->background) return -ENOMEM;
  for (uint32_t y = 0; y < d->h; ++y)
    for (uint32_t x = 0; x < d->w; ++x) {
      uint32_t r = 20 + (x * 40) / d->w, g = 30 + (y * 60) / d->h, b = 70;
      d->background[(size_t)y * d->w + x] = r << 16 | g << 8 | b;
    }
  for (int i = 0; i < 2; ++i) {
    int r = vmi_buffer_create(d->s, d->w, d->h, &d->bufs[i]);
    if (r) return r;
  }
  d->full = 1;
  d->prev_n = 0;
  return 0;
}

static finger* find_finger(demo* d, uint32_t id, int create) {
  for (int i = 0; i < MAX_FINGERS; ++i)
    if (d->fingers[i].active && d->fingers[i].id == id) return &d->fingers[i];
  if (!create) return NULL;
  for (int i = 0; i < MAX_FINGERS; ++i)
    if (!d->fingers[i].active) {
      d->fingers[i].active = 1;
      d->fingers[i].id = id;
      return &d->fingers[i];
    }
  return NULL;
}

static int handle_events(demo* d) {
  vmi_event ev;
  int r;
  while ((r = vmi_surface_next_event(d->s, &ev)) == 1) {
    if (ev.type == VMI_EVENT_TOUCH) {
      finger* f = find_finger(d, ev.u.touch.id, ev.u.touch.action == VMI_TOUCH_DOWN);
      if (!f) continue;
      f->x = ev.u.touch.x;
      f->y = ev.u.touch.y;
      if (ev.u.touch.action == VMI_TOUCH_UP || ev.u.touch.action == VMI_TOUCH_CANCEL) f->active = 0;
    } else if (ev.type == VMI_EVENT_POINTER) {
      finger* f = find_finger(d, POINTER_FINGER, ev.u.pointer.buttons & 1);
      if (!f) continue;
      f->x = ev.u.pointer.x;
      f->y = ev.u.pointer.y;
      if (!(ev.u.pointer.buttons & 1)) f->active = 0;
    } else if (ev.type == VMI_EVENT_DISPLAY) {
      r = setup_buffers(d);
      if (r) return r;
    }
  }
  return r;
}

/* Draws the dynamic content of frame t; returns the rectangles it covered. */
static int draw_frame(demo* d, canvas* c, uint64_t t, vmi_rect* out) {
  int n = 0;
  int w = (int)d->w, h = (int)d->h;
  if (d->clock_mode) {
    int cell = w / 32 < 16 ? w / 32 : 16;
    if (cell < 1) cell = 1;
    uint64_t ts = now_us();
    out[n++] = draw_bits(c, 0, 0, cell, ts >> 32, 32);
    out[n++] = draw_bits(c, 0, cell, cell, ts & 0xffffffffu, 32);
    out[n++] = draw_bits(c, 0, 2 * cell, cell, t & 0xffffffffu, 32);
    char text[64];
    int scale = w >= 400 ? 4 : 2;
    snprintf(text, sizeof text, "FRAME %llu", (unsigned long long)t);
    vmi_rect area = {0, 3 * cell + 8, w, 7 * scale};
    fill_rect(c, area, 0);
    draw_text(c, 8, area.y, scale, text, 0xffff00);
    out[n++] = area;
    snprintf(text, sizeof text, "T %llu.%06llu", (unsigned long long)(ts / 1000000),
             (unsigned long long)(ts % 1000000));
    vmi_rect area2 = {0, area.y + 9 * scale, w, 7 * scale};
    fill_rect(c, area2, 0);
    draw_text(c, 8, area2.y, scale, text, 0x00ffff);
    out[n++] = area2;
  } else {
    /* A square bouncing between the walls, a circle on a Lissajous path,
     * and a bar sweeping down the screen. */
    int side = w / 6;
    int span_x = w - side, span_y = h - side;
    int px = (int)(t * 7 % (uint64_t)(2 * span_x)), py = (int)(t * 5 % (uint64_t)(2 * span_y));
    vmi_rect sq = {px < span_x ? px : 2 * span_x - px, py < span_y ? py : 2 * span_y - py, side,
                   side};
    fill_rect(c, sq, 0xe04040);
    out[n++] = sq;
    int rad = w / 10;
    int cx = w / 2 + (int)((w / 2 - rad) * sin(t * 0.031));
    int cy = h / 2 + (int)((h / 2 - rad) * sin(t * 0.047 + 1.0));
    fill_circle(c, cx, cy, rad, 0x40e040);
    vmi_rect circ = {cx - rad, cy - rad, 2 * rad + 1, 2 * rad + 1};
    out[n++] = circ;
    vmi_rect bar = {0, (int)(t * 3 % (uint64_t)h), w, h / 40 + 1};
    fill_rect(c, bar, 0x4080ff);
    out[n++] = bar;
  }
  static const uint32_t kFingerColours[4] = {0xffffff, 0xffc000, 0xff40ff, 0x40ffff};
  for (int i = 0; i < MAX_FINGERS && n < MAX_DYN; ++i) {
    finger* f = &d->fingers[i];
    if (!f->active) continue;
    int rad = 40;
    fill_circle(c, f->x, f->y, rad, kFingerColours[f->id % 4]);
    vmi_rect r = {f->x - rad, f->y - rad, 2 * rad + 1, 2 * rad + 1};
    out[n++] = r;
  }
  for (int i = 0; i < n; ++i)
    if (!clip_rect(c, &out[i])) out[i--] = out[--n];
  return n;
}

static int run(demo* d, uint64_t frames) {
  int r = setup_buffers(d);
  if (r) return r;
  for (uint64_t t = 1; (frames == 0 || t <= frames) && !g_stop; ++t) {
    r = handle_events(d);
    if (r < 0) return r;
    vmi_buffer* b = d->bufs[t % 2];
    r = vmi_buffer_wait_free(d->s, b, -1);
    if (r) return r;
    if (d->late_us > 0) {
      /* Draw just in time for the host's next capture, so the picture is
       * fresh when captured instead of waiting a whole frame period. */
      uint64_t next = vmi_surface_next_capture_us(d->s);
      uint64_t now = now_us();
      uint64_t margin = (uint64_t)d->late_us + d->draw_us;
      if (next > now + margin) {
        uint64_t wait = next - margin - now;
        if (wait < 1000000) usleep((useconds_t)wait);
        r = handle_events(d); /* what happened meanwhile goes into this frame */
        if (r < 0) return r;
        b = d->bufs[t % 2];
      }
    }
    uint64_t draw_start = now_us();
    canvas c = {vmi_buffer_pixels(b), (int)d->w, (int)d->h, (int)(vmi_buffer_stride(b) / 4)};
    for (uint32_t y = 0; y < d->h; ++y)
      memcpy(c.px + (size_t)y * c.stride, d->background + (size_t)y * d->w, (size_t)d->w * 4);
    vmi_rect cur[MAX_DYN];
    int n = draw_frame(d, &c, t, cur);
    /* What changed since the previous frame: where things were, and are. */
    vmi_rect damage[2 * MAX_DYN];
    size_t dn = 0;
    if (!d->full) {
      for (int i = 0; i < d->prev_n; ++i) damage[dn++] = d->prev[i];
      for (int i = 0; i < n; ++i) damage[dn++] = cur[i];
      if (dn == 0) { /* nothing moved: present one pixel to keep the pace */
        vmi_rect one = {0, 0, 1, 1};
        damage[dn++] = one;
      }
    }
    d->full = 0;
    memcpy(d->prev, cur, sizeof cur[0] * (size_t)n);
    d->prev_n = n;
    uint32_t serial, flags;
    r = vmi_surface_present(d->s, b, damage, dn, &serial);
    if (r) return r;
    uint64_t took = now_us() - draw_start;
    d->draw_us = d->draw_us == 0 ? took : (d->draw_us * 7 + took) / 8;
    r = vmi_surface_wait_frame_done(d->s, serial, -1, &flags);
    if (r) return r;
    d->presented++;
    if (flags & VMI_FRAME_DISPLAYED) d->displayed++;
    if (flags & VMI_FRAME_DROPPED) d->dropped++;
  }
  return 0;
}

int main(int argc, char** argv) {
  const char* path = NULL;
  uint64_t frames = 0;
  int retry_s = 0;
  demo d;
  memset(&d, 0, sizeof d);
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--mode") && i + 1 < argc) {
      d.clock_mode = !strcmp(argv[++i], "clock");
    } else if (!strcmp(argv[i], "--frames") && i + 1 < argc) {
      frames = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(argv[i], "--late-ms") && i + 1 < argc) {
      d.late_us = (int)(atof(argv[++i]) * 1000);
    } else if (!strcmp(argv[i], "--retry") && i + 1 < argc) {
      retry_s = atoi(argv[++i]);
    } else if (!strcmp(argv[i], "--path") && i + 1 < argc) {
      path = argv[++i];
    } else {
      fprintf(stderr,
              "usage: %s [--mode shapes|clock] [--frames N] [--late-ms MS] [--retry SECONDS] "
              "[--path SOCKET]\n",
              argv[0]);
      return 2;
    }
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  /* The host may start after the guest: retry while the socket is missing. */
  int r;
  for (int tries = 0;; ++tries) {
    r = vmi_surface_connect(path, &d.s);
    if (r == 0 || (r != -ENOENT && r != -ECONNREFUSED) || tries >= retry_s * 10 || g_stop) break;
    usleep(100000);
  }
  if (r) {
    fprintf(stderr, "vmi-surface-demo: connect: %s %s\n", strerror(-r),
            d.s ? vmi_surface_error(d.s) : "");
    return 1;
  }
  uint64_t start = now_us();
  r = run(&d, frames);
  double secs = (double)(now_us() - start) / 1e6;
  if (r) fprintf(stderr, "vmi-surface-demo: %s: %s\n", strerror(-r), vmi_surface_error(d.s));
  printf("{\"frames\":%llu,\"displayed\":%llu,\"dropped\":%llu,\"seconds\":%.3f,\"fps\":%.1f}\n",
         (unsigned long long)d.presented, (unsigned long long)d.displayed,
         (unsigned long long)d.dropped, secs, secs > 0 ? (double)d.presented / secs : 0.0);
  vmi_surface_disconnect(d.s);
  free(d.background);
  return r ? 1 : 0;
}
