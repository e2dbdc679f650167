/* workload: the guest test program of the streaming benchmark. An X client
 * that animates a 720x1280 phone screen at a given rate:
 *   scroll   scrolling text plus moving shapes (the standard workload)
 *   still    draws once, then nothing (a still screen)
 * In every animated mode, a strip at the top (y 0..23) carries the wall-clock
 * time (CLOCK_REALTIME, milliseconds) as 48 black/white blocks of 15x24
 * pixels, most significant bit first, stamped just before the frame is
 * copied to the screen. A browser that reads the strip back from its decoded
 * picture measures glass-to-glass latency.
 *
 * Usage: DISPLAY=:N workload MODE FPS SECONDS
 * Single-threaded; double-buffered through a pixmap so each frame reaches the
 * framebuffer in one copy. */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define W 720
#define H 1280
#define STRIP_H 24
#define BITS 48

static int64_t now_us(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: workload scroll|still FPS SECONDS\n");
    return 2;
  }
  const char* mode = argv[1];
  int fps = atoi(argv[2]);
  double seconds = atof(argv[3]);
  Display* d = XOpenDisplay(NULL);
  if (!d) {
    fprintf(stderr, "workload: cannot open display\n");
    return 1;
  }
  int s = DefaultScreen(d);
  XSetWindowAttributes wa;
  wa.override_redirect = True;
  wa.background_pixel = WhitePixel(d, s);
  Window win = XCreateWindow(d, RootWindow(d, s), 0, 0, W, H, 0, CopyFromParent, InputOutput,
                             CopyFromParent, CWOverrideRedirect | CWBackPixel, &wa);
  XMapRaised(d, win);
  Pixmap pm = XCreatePixmap(d, win, W, H, DefaultDepth(d, s));
  GC gc = XCreateGC(d, pm, 0, NULL);
  XFontStruct* font = XLoadQueryFont(d, "fixed");
  if (font) XSetFont(d, gc, font->fid);
  XSync(d, False);

  static const unsigned long colors[] = {0xd03030, 0x30a050, 0x3050d0, 0xe0a020, 0x9040c0};
  int64_t start = now_us(CLOCK_MONOTONIC);
  int64_t period = fps > 0 ? 1000000 / fps : 1000000;
  long frame = 0;
  int animate = strcmp(mode, "still") != 0;
  for (;;) {
    int64_t t = now_us(CLOCK_MONOTONIC);
    if (t - start > (int64_t)(seconds * 1e6)) break;
    if (frame == 0 || animate) {
      /* background */
      XSetForeground(d, gc, 0xfafafa);
      XFillRectangle(d, pm, gc, 0, 0, W, H);
      /* scrolling text: 90 lines of 14 px, moving up 3 px per frame */
      XSetForeground(d, gc, 0x202020);
      int scroll = (int)((frame * 3) % (90 * 14));
      for (int i = 0; i < 100; i++) {
        int y = STRIP_H + 20 + i * 14 - scroll;
        if (y < STRIP_H + 10) y += 90 * 14;
        if (y > H) continue;
        char line[96];
        int n = snprintf(line, sizeof line,
                         "%03d  The quick brown fox jumps over the lazy dog. vmi %ld", i, frame);
        XDrawString(d, pm, gc, 12, y, line, n);
      }
      /* moving shapes */
      for (int k = 0; k < 5; k++) {
        int span = W - 120;
        int x = (int)((frame * (3 + k) + k * 97) % (2 * span));
        if (x > span) x = 2 * span - x;
        int y = 200 + k * 210;
        XSetForeground(d, gc, colors[k]);
        if (k % 2)
          XFillArc(d, pm, gc, x, y, 110, 110, 0, 360 * 64);
        else
          XFillRectangle(d, pm, gc, x, y, 110, 110);
      }
    }
    /* timestamp strip, stamped as late as possible */
    int64_t wall_ms = now_us(CLOCK_REALTIME) / 1000;
    for (int b = 0; b < BITS; b++) {
      int bit = (int)((wall_ms >> (BITS - 1 - b)) & 1);
      XSetForeground(d, gc, bit ? 0xffffff : 0x000000);
      XFillRectangle(d, pm, gc, b * 15, 0, 15, STRIP_H);
    }
    if (frame == 0 || animate) {
      XCopyArea(d, pm, win, gc, 0, 0, W, H, 0, 0);
      XSync(d, False);
    }
    frame++;
    int64_t next = start + frame * period;
    int64_t wait = next - now_us(CLOCK_MONOTONIC);
    if (wait > 0) {
      struct timespec ts = {wait / 1000000, (wait % 1000000) * 1000};
      nanosleep(&ts, NULL);
    }
  }
  printf("{\"workload_frames\": %ld}\n", frame);
  XCloseDisplay(d);
  return 0;
}
