#include "draw.h"

#include "font.h"

int clip_rect(const canvas* c, vmi_rect* r) {
  int x0 = r->x < 0 ? 0 : r->x, y0 = r->y < 0 ? 0 : r->y;
  int x1 = r->x + r->w > c->w ? c->w : r->x + r->w;
  int y1 = r->y + r->h > c->h ? c->h : r->y + r->h;
  if (x1 <= x0 || y1 <= y0) return 0;
  r->x = x0;
  r->y = y0;
  r->w = x1 - x0;
  r->h = y1 - y0;
  return 1;
}

void fill_rect(canvas* c, vmi_rect r, uint32_t colour) {
  if (!clip_rect(c, &r)) return;
  for (int y = r.y; y < r.y + r.h; ++y) {
    uint32_t* row = c->px + (long)y * c->stride;
    for (int x = r.x; x < r.x + r.w; ++x) row[x] = colour;
  }
}

void fill_circle(canvas* c, int cx, int cy, int radius, uint32_t colour) {
  for (int dy = -radius; dy <= radius; ++dy) {
    int y = cy + dy;
    if (y < 0 || y >= c->h) continue;
    int span = 0;
    while ((span + 1) * (span + 1) + dy * dy <= radius * radius) ++span;
    vmi_rect r = {cx - span, y, 2 * span + 1, 1};
    fill_rect(c, r, colour);
  }
}

vmi_rect draw_text(canvas* c, int x, int y, int scale, const char* text, uint32_t colour) {
  int cx = x;
  for (const char* p = text; *p; ++p) {
    const uint8_t* g = font_glyph(*p);
    for (int row = 0; row < 7 && g; ++row)
      for (int col = 0; col < 5; ++col)
        if (g[row] & (0x10 >> col)) {
          vmi_rect r = {cx + col * scale, y + row * scale, scale, scale};
          fill_rect(c, r, colour);
        }
    cx += 6 * scale;
  }
  vmi_rect out = {x, y, cx - x, 7 * scale};
  return out;
}

vmi_rect draw_bits(canvas* c, int x, int y, int cell, uint64_t value, int bits) {
  for (int i = 0; i < bits; ++i) {
    int bit = (int)((value >> (bits - 1 - i)) & 1);
    vmi_rect r = {x + i * cell, y, cell, cell};
    fill_rect(c, r, bit ? 0xffffffu : 0x000000u);
  }
  vmi_rect out = {x, y, bits * cell, cell};
  return out;
}
