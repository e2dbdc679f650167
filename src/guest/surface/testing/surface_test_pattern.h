/* The picture sequence the surface test guest draws and the host-side tests
 * recompute: frame 1 is a full gradient; frame k > 1 paints one 16x16 square
 * (the frame's only damage) in a colour derived from k. Plain C, header
 * only, shared by C and C++. */
#ifndef VMI_SURFACE_TEST_PATTERN_H
#define VMI_SURFACE_TEST_PATTERN_H

#include <stdint.h>
#include <string.h>

#define VMI_TEST_SQUARE 16

static inline uint32_t vmi_test_base_pixel(uint32_t x, uint32_t y) {
  return ((x * 5u) & 0xffu) << 16 | ((y * 3u) & 0xffu) << 8 | ((x ^ y) & 0xffu);
}

/* The square frame k paints; the pattern requires w, h >= 2 * VMI_TEST_SQUARE. */
static inline void vmi_test_square(uint32_t k, uint32_t w, uint32_t h, int32_t* x, int32_t* y) {
  *x = (int32_t)((k * 37u) % (w - VMI_TEST_SQUARE));
  *y = (int32_t)((k * 53u) % (h - VMI_TEST_SQUARE));
}

static inline uint32_t vmi_test_colour(uint32_t k) { return (k * 2654435761u) & 0xffffffu; }

/* Applies frame k to `img` (w*h XRGB words holding frame k-1, or anything
 * for k == 1). */
static inline void vmi_test_apply_frame(uint32_t* img, uint32_t w, uint32_t h, uint32_t k) {
  if (k <= 1) {
    for (uint32_t y = 0; y < h; ++y)
      for (uint32_t x = 0; x < w; ++x) img[y * w + x] = vmi_test_base_pixel(x, y);
    return;
  }
  int32_t sx, sy;
  vmi_test_square(k, w, h, &sx, &sy);
  for (int32_t y = sy; y < sy + VMI_TEST_SQUARE; ++y)
    for (int32_t x = sx; x < sx + VMI_TEST_SQUARE; ++x) img[y * w + x] = vmi_test_colour(k);
}

#endif
