/* workload: the guest test program of the streaming benchmark. An X client
 * that animates a 720x1280 phone screen at a given rate:
 *   scroll   scrolling text plus moving shapes, whole screen (the standard workload)
 *   still    draws once, then nothing (a still screen)
 *   small    draws the screen once, then animates one 160x160 box (a small
 *            region changing over still content)
 *   full     full-screen change every frame, video-like (moving colour
 *            waves over the whole picture)
 *   overlay  no background of its own: only the strip and the 160x160 box,
 *            over whatever else runs on the display (xterm scrolling at full
 *            speed, glxgears on llvmpipe)
 * In every mode, a strip at the top (y 0..23) carries the wall-clock time
 * (CLOCK_REALTIME, milliseconds) as 48 black/white blocks of 15x24 pixels,
 * most significant bit first, stamped just before the frame is copied to the
 * screen. A viewer that reads the strip back from its decoded picture
 * measures glass-to-glass latency.
 *
 * Usage: DISPLAY=:N workload MODE FPS SECONDS
 * Single-threaded; double-buffered through a pixmap so each frame reaches the
 * framebuffer in one copy per changed area. */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define W 720
#define H 1280
#define STRIP_H 24
#define BITS 48
#define BOX 160
#define BOX_X 280
#define BOX_Y 560

static int64_t now_us(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const unsigned long colors[] = {0xd03030, 0x30a050, 0x3050d0, 0xe0a020, 0x9040c0};

static void draw_page(Display* d, Drawable pm, GC gc, long frame, int shapes) {
  XSetForeground(d, gc, 0xfafafa);
  XFillRectangle(d, pm, gc, 0, 0, W, H);
  /* text: 90 lines of 14 px, moving up 3 px per frame */
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
  if (!shapes) return;
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

/* The 160x160 box: a dark square with a disc circling inside and a counter. */
static void draw_box(Display* d, Drawable pm, GC gc, int x0, int y0, long frame) {
  XSetForeground(d, gc, 0x203040);
  XFillRectangle(d, pm, gc, x0, y0, BOX, BOX);
  double a = frame * 0.15;
  int cx = x0 + BOX / 2 + (int)(50 * cos(a)) - 20, cy = y0 + BOX / 2 + (int)(50 * sin(a)) - 20;
  XSetForeground(d, gc, colors[frame / 30 % 5]);
  XFillArc(d, pm, gc, cx, cy, 40, 40, 0, 360 * 64);
  char s[32];
  int n = snprintf(s, sizeof s, "%ld", frame);
  XSetForeground(d, gc, 0xffffff);
  XDrawString(d, pm, gc, x0 + 6, y0 + 14, s, n);
}

/* Video-like change over the whole picture: colour waves from lookup tables,
 * different in every pixel and every frame, smooth like camera footage. */
static void draw_waves(XImage* img, long frame) {
  static uint8_t wave[1024];
  static int ready;
  if (!ready) {
    for (int i = 0; i < 1024; i++) wave[i] = (uint8_t)(127.5 + 127.5 * sin(i * 2 * M_PI / 1024));
    ready = 1;
  }
  int t = (int)(frame * 9);
  for (int y = 0; y < H; y++) {
    uint32_t* row = (uint32_t*)(img->data + (size_t)y * img->bytes_per_line);
    int wy = wave[(y * 3 + t) & 1023], wy2 = wave[(y * 2 - t * 2) & 1023];
    for (int x = 0; x < W; x++) {
      int r = wave[(x * 2 + wy + t) & 1023];
      int g = wave[(x + y + wy2) & 1023];
      int b = wave[(x * 3 - y + t * 3) & 1023];
      row[x] = (uint32_t)(r << 16 | g << 8 | b);
    }
  }
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: workload scroll|still|small|full|overlay FPS SECONDS\n");
    return 2;
  }
  const char* mode = argv[1];
  int fps = atoi(argv[2]);
  double seconds = atof(argv[3]);
  int still = !strcmp(mode, "still"), small = !strcmp(mode, "small"), full = !strcmp(mode, "full"),
      overlay = !strcmp(mode, "overlay"), scroll = !strcmp(mode, "scroll");
  if (!still && !small && !full && !overlay && !scroll) {
    fprintf(stderr, "workload: unknown mode %s\n", mode);
    return 2;
  }
  Display* d = XOpenDisplay(NULL);
  if (!d) {
    fprintf(stderr, "workload: cannot open display\n");
    return 1;
  }
  int s = DefaultScreen(d);
  XSetWindowAttributes wa;
  wa.override_redirect = True;
  wa.background_pixel = WhitePixel(d, s);
  /* In overlay mode the window is only the strip; the box is a second one. */
  Window win = XCreateWindow(d, RootWindow(d, s), 0, 0, W, overlay ? STRIP_H : H, 0,
                             CopyFromParent, InputOutput, CopyFromParent,
                             CWOverrideRedirect | CWBackPixel, &wa);
  XMapRaised(d, win);
  Window boxwin = 0;
  if (overlay) {
    boxwin = XCreateWindow(d, RootWindow(d, s), BOX_X, BOX_Y, BOX, BOX, 0, CopyFromParent,
                           InputOutput, CopyFromParent, CWOverrideRedirect | CWBackPixel, &wa);
    XMapRaised(d, boxwin);
  }
  Pixmap pm = XCreatePixmap(d, win, W, H, DefaultDepth(d, s));
  GC gc = XCreateGC(d, pm, 0, NULL);
  XFontStruct* font = XLoadQueryFont(d, "fixed");
  if (font) XSetFont(d, gc, font->fid);
  XImage* img = NULL;
  if (full) {
    char* buf = malloc((size_t)W * H * 4);
    img = XCreateImage(d, DefaultVisual(d, s), DefaultDepth(d, s), ZPixmap, 0, buf, W, H, 32, 0);
  }
  XSync(d, False);

  int64_t start = now_us(CLOCK_MONOTONIC);
  int64_t period = fps > 0 ? 1000000 / fps : 1000000;
  long frame = 0;
  for (;;) {
    int64_t t = now_us(CLOCK_MONOTONIC);
    if (t - start > (int64_t)(seconds * 1e6)) break;
    int whole = frame == 0 || scroll || full;
    if (scroll || (frame == 0 && (still || small))) draw_page(d, pm, gc, frame, 1);
    if (full) {
      draw_waves(img, frame);
      XPutImage(d, pm, gc, img, 0, 0, 0, 0, W, H);
    }
    if (small || overlay) draw_box(d, pm, gc, BOX_X, BOX_Y, frame);
    /* timestamp strip, stamped as late as possible */
    int64_t wall_ms = now_us(CLOCK_REALTIME) / 1000;
    for (int b = 0; b < BITS; b++) {
      int bit = (int)((wall_ms >> (BITS - 1 - b)) & 1);
      XSetForeground(d, gc, bit ? 0xffffff : 0x000000);
      XFillRectangle(d, pm, gc, b * 15, 0, 15, STRIP_H);
    }
    if (overlay) {
      XCopyArea(d, pm, boxwin, gc, BOX_X, BOX_Y, BOX, BOX, 0, 0);
      XCopyArea(d, pm, win, gc, 0, 0, W, STRIP_H, 0, 0);
    } else if (whole) {
      XCopyArea(d, pm, win, gc, 0, 0, W, H, 0, 0);
    } else if (small) {
      XCopyArea(d, pm, win, gc, BOX_X, BOX_Y, BOX, BOX, BOX_X, BOX_Y);
      XCopyArea(d, pm, win, gc, 0, 0, W, STRIP_H, 0, 0);
    }
    XSync(d, False);
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
