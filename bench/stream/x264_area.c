/* x264_area: what x264 costs per frame when only a small part of a 720x1280
 * screen changes (the `small` workload's 720x24 strip and 160x160 box), for
 * the ways of encoding it docs/streaming.md compares: the full picture with
 * and without mb_info (the unchanged macroblocks named), with one or two
 * sliced threads; the bounding box of the change; one small encoder per
 * changed rectangle. The encoder options are h264_encoder.cc's (ultrafast,
 * zerolatency, baseline, CRF 26 capped by a VBV, intra refresh). Prints one
 * JSON line per variant: process CPU time per frame over 300 frames after
 * 100 of warm-up, and bytes per frame.
 *
 * Usage: x264_area (built and run by bench/stream/x264_area.sh) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x264.h>

enum { WARM = 100, FRAMES = 300, STRIP_H = 24, BOX = 160, BOX_X = 280, BOX_Y = 560 };

static double cpu_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* One encoder and its picture. The changing content is drawn into the
 * picture at (ox, oy) of the screen, so a region encoder sees the same
 * pixels the full one would there. */
typedef struct {
  x264_t* enc;
  x264_picture_t pic;
  int w, h, ox, oy;
  uint8_t* mb_info;
} Enc;

static void enc_open(Enc* e, int w, int h, int ox, int oy, int threads, int mb_info) {
  x264_param_t p;
  x264_param_default_preset(&p, "ultrafast", "zerolatency");
  p.i_width = w;
  p.i_height = h;
  p.i_csp = X264_CSP_I420;
  p.i_fps_num = 30;
  p.i_fps_den = 1;
  p.i_timebase_num = 1;
  p.i_timebase_den = 1000000;
  p.b_vfr_input = 0;
  p.i_threads = threads;
  p.b_sliced_threads = threads > 1;
  p.i_bframe = 0;
  p.b_repeat_headers = 1;
  p.b_annexb = 1;
  p.i_keyint_max = 300;
  p.i_keyint_min = 1;
  p.i_scenecut_threshold = 0;
  p.b_intra_refresh = 1;
  p.analyse.b_mb_info = mb_info;
  p.rc.i_rc_method = X264_RC_CRF;
  p.rc.f_rf_constant = 26;
  p.rc.i_vbv_max_bitrate = 4000;
  p.rc.i_vbv_buffer_size = 400;
  p.i_log_level = X264_LOG_ERROR;
  x264_param_apply_profile(&p, "baseline");
  e->enc = x264_encoder_open(&p);
  if (!e->enc || x264_picture_alloc(&e->pic, X264_CSP_I420, w, h) < 0) {
    fprintf(stderr, "x264_area: cannot open a %dx%d encoder\n", w, h);
    exit(1);
  }
  e->w = w;
  e->h = h;
  e->ox = ox;
  e->oy = oy;
  /* A still background with detail, so skips are real skips. */
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) e->pic.img.plane[0][y * e->pic.img.i_stride[0] + x] = ((x + ox) * 7 + (y + oy) * 3) & 255;
  memset(e->pic.img.plane[1], 128, (size_t)w * h / 4);
  memset(e->pic.img.plane[2], 100, (size_t)w * h / 4);
  e->mb_info = mb_info ? malloc((size_t)((w + 15) / 16) * ((h + 15) / 16)) : NULL;
}

static void fill(Enc* e, int x0, int y0, int w, int h, int frame) {
  /* Screen rectangle -> this picture's coordinates, clipped. */
  int xa = x0 - e->ox, ya = y0 - e->oy, xb = xa + w, yb = ya + h;
  if (xa < 0) xa = 0;
  if (ya < 0) ya = 0;
  if (xb > e->w) xb = e->w;
  if (yb > e->h) yb = e->h;
  for (int y = ya; y < yb; y++)
    for (int x = xa; x < xb; x++) e->pic.img.plane[0][y * e->pic.img.i_stride[0] + x] = (x + y + frame * 5) & 255;
  if (e->mb_info && xb > xa && yb > ya) {
    int mbw = (e->w + 15) / 16;
    for (int my = ya / 16; my <= (yb - 1) / 16; my++)
      memset(e->mb_info + my * mbw + xa / 16, 0, (size_t)((xb - 1) / 16 - xa / 16 + 1));
  }
}

static int encode(Enc* e, int frame) {
  if (e->mb_info) memset(e->mb_info, X264_MBINFO_CONSTANT, (size_t)((e->w + 15) / 16) * ((e->h + 15) / 16));
  fill(e, 0, 0, 720, STRIP_H, frame);
  fill(e, BOX_X, BOX_Y, BOX, BOX, frame);
  e->pic.prop.mb_info = frame > 0 ? e->mb_info : NULL;
  e->pic.prop.mb_info_free = NULL;
  e->pic.i_pts = (int64_t)frame * 33333;
  e->pic.i_type = frame == 0 ? X264_TYPE_IDR : X264_TYPE_AUTO;
  x264_nal_t* nals;
  int n;
  x264_picture_t out;
  return x264_encoder_encode(e->enc, &nals, &n, &e->pic, &out);
}

static void run(const char* what, Enc* encs, int count) {
  long bytes = 0;
  double t0 = 0;
  for (int f = 0; f < WARM + FRAMES; f++) {
    if (f == WARM) t0 = cpu_seconds();
    for (int i = 0; i < count; i++) {
      int size = encode(&encs[i], f);
      if (f >= WARM) bytes += size;
    }
  }
  double ms = (cpu_seconds() - t0) * 1000 / FRAMES;
  printf("{\"bench\": \"x264_area\", \"what\": \"%s\", \"cpu_ms_per_frame\": %.3f, \"bytes_per_frame\": %ld}\n", what, ms,
         bytes / FRAMES);
  for (int i = 0; i < count; i++) {
    x264_picture_clean(&encs[i].pic);
    x264_encoder_close(encs[i].enc);
    free(encs[i].mb_info);
  }
}

int main(void) {
  Enc e[2];
  enc_open(&e[0], 720, 1280, 0, 0, 2, 1);
  run("720x1280, mb_info, 2 sliced threads", e, 1);
  enc_open(&e[0], 720, 1280, 0, 0, 1, 1);
  run("720x1280, mb_info, 1 thread", e, 1);
  enc_open(&e[0], 720, 1280, 0, 0, 1, 0);
  run("720x1280, no mb_info, 1 thread", e, 1);
  enc_open(&e[0], 720, BOX_Y + BOX + 16, 0, 0, 1, 1);
  run("720x736 bounding box, mb_info, 1 thread", e, 1);
  enc_open(&e[0], 720, 32, 0, 0, 1, 0);
  enc_open(&e[1], BOX + 16, BOX + 16, BOX_X - 8, BOX_Y - 8, 1, 0);
  run("two region encoders 720x32 + 176x176, 1 thread each", e, 2);
  return 0;
}
