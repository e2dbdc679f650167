/* vnc_client: the VNC side of the streaming benchmark. Connects to a VNC
 * server with LibVNCClient asking for Tight encoding, keeps requesting
 * incremental updates for SECONDS, and prints one JSON line: updates
 * received, bytes read from the socket (from /proc/self/io, connection setup
 * excluded), and the glass-to-glass latency of the workload's timestamp strip
 * (see workload.c) as seen after each update (p50/p99, ms).
 *
 * Usage: vnc_client HOST:PORT SECONDS */
#include <rfb/rfbclient.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
static int64_t mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
static long long rchar(void) {
  FILE* f = fopen("/proc/self/io", "r");
  char line[128];
  long long v = 0;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "rchar:", 6)) v = atoll(line + 6);
  if (f) fclose(f);
  return v;
}

static long updates;
static int64_t last_stamp;
static double lat[200000];
static int nlat;

static void finished(rfbClient* c) {
  updates++;
  if (c->width < 720 || c->height < 24) return;
  const uint8_t* fb = c->frameBuffer;
  int64_t v = 0;
  for (int b = 0; b < 48; b++) {
    const uint8_t* p = fb + ((size_t)12 * c->width + b * 15 + 7) * 4;
    int lum = (p[0] + p[1] + p[2]) / 3;
    v = (v << 1) | (lum > 128);
  }
  int64_t now = wall_ms();
  if (v != last_stamp && v > now - 10000 && v <= now + 1000) {
    last_stamp = v;
    if (nlat < 200000) lat[nlat++] = (double)(now - v);
  }
}

static int cmp(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: vnc_client HOST:PORT SECONDS\n");
    return 2;
  }
  rfbClient* c = rfbGetClient(8, 3, 4);
  c->appData.encodingsString = "tight copyrect";
  c->appData.compressLevel = 6;
  c->appData.qualityLevel = 6;
  c->appData.enableJPEG = TRUE;
  c->FinishedFrameBufferUpdate = finished;
  char* argv2[] = {argv[0], argv[1], NULL};
  int argc2 = 2;
  if (!rfbInitClient(c, &argc2, argv2)) {
    fprintf(stderr, "vnc_client: cannot connect to %s\n", argv[1]);
    return 1;
  }
  int64_t start = mono_us();
  long long bytes0 = rchar();
  long updates0 = updates;
  nlat = 0;
  double secs = atof(argv[2]);
  while (mono_us() - start < secs * 1e6) {
    int r = WaitForMessage(c, 100000);
    if (r < 0) break;
    if (r > 0 && !HandleRFBServerMessage(c)) break;
  }
  double elapsed = (mono_us() - start) / 1e6;
  long long bytes = rchar() - bytes0;
  qsort(lat, nlat, sizeof lat[0], cmp);
  double p50 = nlat ? lat[nlat / 2] : -1, p99 = nlat ? lat[(int)(nlat * 0.99)] : -1;
  printf("{\"updates\": %ld, \"seconds\": %.2f, \"bytes\": %lld, \"stamps\": %d, \"p50_ms\": %.1f, "
         "\"p99_ms\": %.1f}\n",
         updates - updates0, elapsed, bytes, nlat, p50, p99);
  rfbClientCleanup(c);
  return 0;
}
