/* GDI drawing benchmark after seed 003's qtperf rows: random lines, random
 * filled ellipses, randomly placed coloured text, each timed, into a
 * window on the X server. Built with mingw-w64; run under plain wine and
 * inside a vmi win32 instance by bench/win32/run. Writes one line per row
 * to the file named by its first argument: "<row> <count> <ms>". */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>

static double Now(void) {
  LARGE_INTEGER f, c;
  QueryPerformanceFrequency(&f);
  QueryPerformanceCounter(&c);
  return (double)c.QuadPart * 1000.0 / (double)f.QuadPart;
}

static COLORREF Random(void) { return RGB(rand() & 255, rand() & 255, rand() & 255); }

int WINAPI WinMain(HINSTANCE inst, HINSTANCE prev, LPSTR cmd, int show) {
  (void)prev;
  WNDCLASSA wc = {0};
  wc.lpfnWndProc = DefWindowProcA;
  wc.hInstance = inst;
  wc.hbrBackground = (HBRUSH)GetStockObject(WHITE_BRUSH);
  wc.lpszClassName = "VmiGdiBench";
  RegisterClassA(&wc);
  HWND w = CreateWindowA("VmiGdiBench", "gdi bench", WS_OVERLAPPEDWINDOW, 0, 0, 640, 640, NULL,
                         NULL, inst, NULL);
  ShowWindow(w, show);
  UpdateWindow(w);
  HDC dc = GetDC(w);
  const char* out = cmd && *cmd ? cmd : "C:\\gdi_bench.txt";
  FILE* f = fopen(out, "w");
  if (!f) return 1;
  int n_lines = 20000, n_ellipses = 20000, n_text = 5000;
  srand(1);
  double t = Now();
  for (int i = 0; i < n_lines; ++i) {
    HPEN pen = CreatePen(PS_SOLID, 1, Random());
    HGDIOBJ old = SelectObject(dc, pen);
    MoveToEx(dc, rand() % 600, rand() % 600, NULL);
    LineTo(dc, rand() % 600, rand() % 600);
    SelectObject(dc, old);
    DeleteObject(pen);
  }
  GetPixel(dc, 0, 0); /* a round trip: the X server has drawn everything */
  fprintf(f, "lines %d %.1f\n", n_lines, Now() - t);
  t = Now();
  for (int i = 0; i < n_ellipses; ++i) {
    HBRUSH b = CreateSolidBrush(Random());
    HGDIOBJ old = SelectObject(dc, b);
    int x = rand() % 560, y = rand() % 560;
    Ellipse(dc, x, y, x + 10 + rand() % 40, y + 10 + rand() % 40);
    SelectObject(dc, old);
    DeleteObject(b);
  }
  GetPixel(dc, 0, 0);
  fprintf(f, "ellipses %d %.1f\n", n_ellipses, Now() - t);
  t = Now();
  for (int i = 0; i < n_text; ++i) {
    SetTextColor(dc, Random());
    TextOutA(dc, rand() % 560, rand() % 600, "vmi GDI text", 12);
  }
  GetPixel(dc, 0, 0);
  fprintf(f, "text %d %.1f\n", n_text, Now() - t);
  fclose(f);
  ReleaseDC(w, dc);
  DestroyWindow(w);
  return 0;
}
