/* A 5x7 bitmap font: digits, a few capitals and punctuation. */
#ifndef VMI_DEMO_FONT_H
#define VMI_DEMO_FONT_H

#include <stdint.h>

/* Seven rows, bit 4 is the leftmost column; NULL for unknown characters. */
const uint8_t* font_glyph(char c);

#endif
