/* A real Win32 GUI program for the win32 tests, built with Debian's
 * mingw-w64 for i686 and x86_64. A window with a menu, a button, an edit
 * control, GDI text and filled shapes in known colours, and a message box
 * from the menu. Everything it receives goes to C:\probe.txt:
 *
 *   started=1
 *   bits=32|64        (the build: a 32-bit program must run as one)
 *   clicks=N          (button presses)
 *   text=...          (the edit control's text)
 *
 * Client-area layout (pixels), so a screenshot can be checked:
 *   red    (20,20)-(220,120)     green  (240,20)-(440,120)
 *   blue   (460,20)-(660,120)    "vmi probe" text at (20,140)
 *   button (20,200)-(220,280)    indicator (240,200)-(440,280): black,
 *                                yellow after the first click
 *   edit   (20,300)-(660,360)
 */
#include <windows.h>
#include <stdio.h>

#define ID_BUTTON 1
#define ID_EDIT 2
#define ID_MENU_MESSAGE 100
#define ID_MENU_EXIT 101

static int clicks;
static HWND edit;

static void Save(void) {
  char text[512] = "";
  if (edit) GetWindowTextA(edit, text, sizeof text);
  FILE* f = fopen("C:\\probe.txt", "w");
  if (!f) return;
  fprintf(f, "started=1\nbits=%d\nclicks=%d\ntext=%s\n", (int)(sizeof(void*) * 8), clicks,
          text);
  fclose(f);
}

static void Fill(HDC dc, int l, int t, int r, int b, COLORREF c) {
  RECT rc = {l, t, r, b};
  HBRUSH brush = CreateSolidBrush(c);
  FillRect(dc, &rc, brush);
  DeleteObject(brush);
}

static LRESULT CALLBACK Proc(HWND w, UINT msg, WPARAM wp, LPARAM lp) {
  switch (msg) {
    case WM_CREATE:
      CreateWindowA("BUTTON", "Press", WS_CHILD | WS_VISIBLE | BS_PUSHBUTTON, 20, 200, 200, 80, w,
                    (HMENU)ID_BUTTON, NULL, NULL);
      edit = CreateWindowA("EDIT", "", WS_CHILD | WS_VISIBLE | WS_BORDER | ES_AUTOHSCROLL, 20, 300,
                           640, 60, w, (HMENU)ID_EDIT, NULL, NULL);
      Save();
      return 0;
    case WM_PAINT: {
      PAINTSTRUCT ps;
      HDC dc = BeginPaint(w, &ps);
      Fill(dc, 20, 20, 220, 120, RGB(255, 0, 0));
      Fill(dc, 240, 20, 440, 120, RGB(0, 255, 0));
      Fill(dc, 460, 20, 660, 120, RGB(0, 0, 255));
      Fill(dc, 240, 200, 440, 280, clicks ? RGB(255, 255, 0) : RGB(0, 0, 0));
      SetBkMode(dc, TRANSPARENT);
      TextOutA(dc, 20, 140, "vmi probe", 9);
      EndPaint(w, &ps);
      return 0;
    }
    case WM_COMMAND:
      if (LOWORD(wp) == ID_BUTTON && HIWORD(wp) == BN_CLICKED) {
        ++clicks;
        Save();
        InvalidateRect(w, NULL, TRUE);
      } else if (LOWORD(wp) == ID_EDIT && HIWORD(wp) == EN_CHANGE) {
        Save();
      } else if (LOWORD(wp) == ID_MENU_MESSAGE) {
        MessageBoxA(w, "hello from vmi", "vmi message", MB_OK);
      } else if (LOWORD(wp) == ID_MENU_EXIT) {
        DestroyWindow(w);
      }
      return 0;
    case WM_DESTROY:
      PostQuitMessage(0);
      return 0;
  }
  return DefWindowProcA(w, msg, wp, lp);
}

int WINAPI WinMain(HINSTANCE inst, HINSTANCE prev, LPSTR cmd, int show) {
  (void)prev;
  (void)cmd;
  WNDCLASSA wc = {0};
  wc.lpfnWndProc = Proc;
  wc.hInstance = inst;
  wc.hCursor = LoadCursor(NULL, IDC_ARROW);
  wc.hbrBackground = (HBRUSH)GetStockObject(WHITE_BRUSH);
  wc.lpszClassName = "VmiProbe";
  RegisterClassA(&wc);
  HMENU bar = CreateMenu(), file = CreatePopupMenu();
  AppendMenuA(file, MF_STRING, ID_MENU_MESSAGE, "&Message");
  AppendMenuA(file, MF_STRING, ID_MENU_EXIT, "E&xit");
  AppendMenuA(bar, MF_POPUP, (UINT_PTR)file, "&File");
  HWND w = CreateWindowA("VmiProbe", "vmi probe", WS_OVERLAPPEDWINDOW, 0, 0, 700, 420, NULL, bar,
                         inst, NULL);
  ShowWindow(w, show);
  UpdateWindow(w);
  if (strstr(GetCommandLineA(), "/message")) PostMessageA(w, WM_COMMAND, ID_MENU_MESSAGE, 0);
  MSG m;
  while (GetMessageA(&m, NULL, 0, 0) > 0) {
    TranslateMessage(&m);
    DispatchMessageA(&m);
  }
  return 0;
}
