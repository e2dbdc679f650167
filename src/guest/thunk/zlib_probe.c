/* zlib_probe MIB OUT: a zlib user for the thunk's test and benchmark. It
 * makes MIB MiB of text-like data (the same bytes on every run and CPU),
 * then times crc32, adler32, compress2 (level 6) and uncompress over it,
 * checks the round trip, writes the compressed stream to OUT and prints one
 * line. Built three ways from this one file: against the thunk library
 * (translated code calling the host's zlib), against the guest's own zlib
 * (translated zlib) and natively (the anchor). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef unsigned char Bytef;
typedef unsigned long uLong;
typedef unsigned long uLongf;
typedef unsigned int uInt;
uLong crc32(uLong crc, const Bytef *buf, uInt len);
uLong adler32(uLong adler, const Bytef *buf, uInt len);
uLong compressBound(uLong n);
int compress2(Bytef *dest, uLongf *destLen, const Bytef *source, uLong sourceLen, int level);
int uncompress(Bytef *dest, uLongf *destLen, const Bytef *source, uLong sourceLen);
/* Only the thunk library has it. */
unsigned long vmi_thunk_calls(void) __attribute__((weak));

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: zlib_probe MIB OUT\n");
    return 2;
  }
  size_t n = (size_t)atoi(argv[1]) << 20;
  static const char *words[] = {"phone ", "instance ", "wine ", "arm64 ", "thunk ", "zlib ",
                                "frame ", "0123 ", "vmi ", "the ", "of ", "\n"};
  Bytef *data = malloc(n), *packed, *back;
  uLongf cap = compressBound(n), packed_len = cap, back_len = n;
  packed = malloc(cap);
  back = malloc(n);
  if (!data || !packed || !back) return 1;
  unsigned long long x = 88172645463325252ull;
  for (size_t i = 0; i < n;) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
    const char *w = words[x % 12];
    for (size_t k = 0; w[k] && i < n; k++) data[i++] = (Bytef)w[k];
  }
  double t0 = now_ms();
  uLong crc = crc32(crc32(0, NULL, 0), data, (uInt)n);
  double t1 = now_ms();
  uLong adler = adler32(adler32(0, NULL, 0), data, (uInt)n);
  double t2 = now_ms();
  int rc = compress2(packed, &packed_len, data, n, 6);
  double t3 = now_ms();
  int rc2 = uncompress(back, &back_len, packed, packed_len);
  double t4 = now_ms();
  if (rc != 0 || rc2 != 0 || back_len != n || memcmp(back, data, n) != 0) {
    fprintf(stderr, "zlib_probe: round trip failed (compress2 %d, uncompress %d)\n", rc, rc2);
    return 1;
  }
  FILE *f = fopen(argv[2], "wb");
  if (!f || fwrite(packed, 1, packed_len, f) != packed_len || fclose(f) != 0) return 1;
  printf("crc32=%08lx adler32=%08lx compressed=%lu calls=%lu crc32_ms=%.1f adler32_ms=%.1f "
         "compress_ms=%.1f uncompress_ms=%.1f\n",
         crc, adler, packed_len, vmi_thunk_calls ? vmi_thunk_calls() : 0, t1 - t0, t2 - t1,
         t3 - t2, t4 - t3);
  return 0;
}
