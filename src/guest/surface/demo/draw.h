/* Minimal software drawing into an XRGB8888 buffer for the demo guest. */
#ifndef VMI_DEMO_DRAW_H
#define VMI_DEMO_DRAW_H

#include <stdint.h>

#include "vmi_guest.h"

typedef struct canvas {
  uint32_t* px;
  int w, h;
  int stride; /* in pixels */
} canvas;

/* Clips r to the canvas; returns 0 if nothing is left. */
int clip_rect(const canvas* c, vmi_rect* r);
void fill_rect(canvas* c, vmi_rect r, uint32_t colour);
void fill_circle(canvas* c, int cx, int cy, int radius, uint32_t colour);
/* Draws text with the 5x7 font, each font pixel a scale x scale square;
 * returns the rectangle it covered. Unknown characters draw as blanks. */
vmi_rect draw_text(canvas* c, int x, int y, int scale, const char* text, uint32_t colour);
/* Draws `bits` as cells of cell x cell pixels, most significant bit left,
 * white for 1 and black for 0. */
vmi_rect draw_bits(canvas* c, int x, int y, int cell, uint64_t value, int bits);

#endif
