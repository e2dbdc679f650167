// libEGL.so/libGLESv2.so/libGLESv3.so of a bionic library resolve to the
// host's Mesa: a library built like NDK code (DT_NEEDED libEGL.so and
// libGLESv3.so) creates a pbuffer on the default display, renders with
// glClear and a scissored clear, and reads the pixels back; and it renders
// into an EGL window surface on the bridge's ANativeWindow, whose frames
// arrive on the window's shared-memory surface.
#include <cstdlib>
#include <cstring>

#include <gtest/gtest.h>

#include "bridge/android/native_window.h"
#include "bridge/linker.h"
#include "bridge/testing/test_objects.h"
#include "bridge/virtual_library.h"

namespace vmi::bridge {
namespace {

constexpr const char* kDecls = R"(
typedef void* EGLDisplay; typedef void* EGLConfig; typedef void* EGLContext; typedef void* EGLSurface;
typedef int EGLint; typedef unsigned EGLBoolean;
EGLDisplay eglGetDisplay(void*);
EGLBoolean eglInitialize(EGLDisplay, EGLint*, EGLint*);
EGLBoolean eglChooseConfig(EGLDisplay, const EGLint*, EGLConfig*, EGLint, EGLint*);
EGLBoolean eglBindAPI(unsigned);
EGLContext eglCreateContext(EGLDisplay, EGLConfig, EGLContext, const EGLint*);
EGLSurface eglCreatePbufferSurface(EGLDisplay, EGLConfig, const EGLint*);
EGLSurface eglCreateWindowSurface(EGLDisplay, EGLConfig, void*, const EGLint*);
EGLBoolean eglGetConfigAttrib(EGLDisplay, EGLConfig, EGLint, EGLint*);
EGLBoolean eglSwapBuffers(EGLDisplay, EGLSurface);
EGLBoolean eglDestroySurface(EGLDisplay, EGLSurface);
EGLBoolean eglDestroyContext(EGLDisplay, EGLContext);
EGLBoolean eglMakeCurrent(EGLDisplay, EGLSurface, EGLSurface, EGLContext);
EGLint eglGetError(void);
EGLBoolean eglTerminate(EGLDisplay);
void glClearColor(float, float, float, float);
void glClear(unsigned);
void glEnable(unsigned);
void glDisable(unsigned);
void glScissor(int, int, int, int);
void glReadPixels(int, int, int, int, unsigned, unsigned, void*);
unsigned glGetError(void);
)";

constexpr const char* kStubs = R"(
void* eglGetDisplay(void* d) { return d; }
unsigned eglInitialize(void* d, int* a, int* b) { return 0; }
unsigned eglChooseConfig(void* d, const int* a, void** c, int n, int* m) { return 0; }
unsigned eglBindAPI(unsigned a) { return 0; }
void* eglCreateContext(void* d, void* c, void* s, const int* a) { return 0; }
void* eglCreatePbufferSurface(void* d, void* c, const int* a) { return 0; }
void* eglCreateWindowSurface(void* d, void* c, void* w, const int* a) { return 0; }
unsigned eglGetConfigAttrib(void* d, void* c, int a, int* v) { return 0; }
unsigned eglSwapBuffers(void* d, void* s) { return 0; }
unsigned eglDestroySurface(void* d, void* s) { return 0; }
unsigned eglDestroyContext(void* d, void* c) { return 0; }
unsigned eglMakeCurrent(void* d, void* a, void* b, void* c) { return 0; }
int eglGetError(void) { return 0; }
unsigned eglTerminate(void* d) { return 0; }
)";

constexpr const char* kGlStubs = R"(
void glClearColor(float a, float b, float c, float d) {}
void glClear(unsigned m) {}
void glEnable(unsigned c) {}
void glDisable(unsigned c) {}
void glScissor(int x, int y, int w, int h) {}
void glReadPixels(int x, int y, int w, int h, unsigned f, unsigned t, void* p) {}
unsigned glGetError(void) { return 0; }
)";

constexpr const char* kRenderer = R"(
int render(unsigned char* out) {
  EGLDisplay d = eglGetDisplay(0);
  EGLint major = 0, minor = 0;
  if (!eglInitialize(d, &major, &minor)) return -1;
  const EGLint cfg_attrs[] = {0x3033 /* SURFACE_TYPE */, 1 /* PBUFFER */, 0x3040 /* RENDERABLE */, 4 /* ES2 */,
                              0x3024, 8, 0x3023, 8, 0x3022, 8, 0x3021, 8, 0x3038};
  EGLConfig cfg = 0;
  EGLint n = 0;
  eglChooseConfig(d, cfg_attrs, &cfg, 1, &n);
  eglBindAPI(0x30A0 /* OPENGL_ES */);
  const EGLint ctx_attrs[] = {0x3098 /* CLIENT_VERSION */, 2, 0x3038};
  EGLContext ctx = eglCreateContext(d, cfg, 0, ctx_attrs);
  const EGLint pb_attrs[] = {0x3057, 16, 0x3056, 16, 0x3038};
  EGLSurface s = eglCreatePbufferSurface(d, cfg, pb_attrs);
  if (ctx == 0 || s == 0 || !eglMakeCurrent(d, s, s, ctx)) return -2;
  glClearColor(1.0f, 0.5f, 0.0f, 1.0f);
  glClear(0x4000);
  glEnable(0x0C11 /* SCISSOR_TEST */);
  glScissor(8, 8, 8, 8);
  glClearColor(0.0f, 0.0f, 1.0f, 1.0f);
  glClear(0x4000);
  glReadPixels(0, 0, 1, 1, 0x1908 /* RGBA */, 0x1401 /* UNSIGNED_BYTE */, out);
  glReadPixels(12, 12, 1, 1, 0x1908, 0x1401, out + 4);
  return (int)glGetError();
}
/* An app's render loop on an ANativeWindow: a config for windows, a window
   surface, `frames` frames of a clear whose green rises per frame and a blue
   8x8 box at GL's origin (the bottom-left corner), each presented with
   eglSwapBuffers. */
int render_window(void* window, int frames) {
  EGLDisplay d = eglGetDisplay(0);
  if (!eglInitialize(d, 0, 0)) return -1;
  const EGLint cfg_attrs[] = {0x3033 /* SURFACE_TYPE */, 4 /* WINDOW */, 0x3040, 4, 0x3024, 8, 0x3023, 8,
                              0x3022, 8, 0x3038};
  EGLConfig cfg = 0;
  EGLint n = 0, type = 0;
  if (!eglChooseConfig(d, cfg_attrs, &cfg, 1, &n) || n != 1) return -2;
  if (!eglGetConfigAttrib(d, cfg, 0x3033, &type) || !(type & 4)) return -3;
  eglBindAPI(0x30A0);
  const EGLint ctx_attrs[] = {0x3098, 2, 0x3038};
  EGLContext ctx = eglCreateContext(d, cfg, 0, ctx_attrs);
  EGLSurface s = eglCreateWindowSurface(d, cfg, window, 0);
  if (ctx == 0 || s == 0) return -4;
  if (!eglMakeCurrent(d, s, s, ctx)) return -5;
  for (int f = 0; f < frames; ++f) {
    glDisable(0x0C11);
    glClearColor(1.0f, (float)(f + 1) / (float)frames, 0.0f, 1.0f);
    glClear(0x4000);
    glEnable(0x0C11);
    glScissor(0, 0, 8, 8);
    glClearColor(0.0f, 0.0f, 1.0f, 1.0f);
    glClear(0x4000);
    if (!eglSwapBuffers(d, s)) return -6;
  }
  eglMakeCurrent(d, 0, 0, 0);
  /* Not current any more: presenting now is an error, as on Android. */
  if (eglSwapBuffers(d, s) || eglGetError() != 0x300D /* BAD_SURFACE */) return -7;
  eglDestroySurface(d, s);
  eglDestroyContext(d, ctx);
  return (int)glGetError();
}
int window_surface_error(void) {
  EGLDisplay d = eglGetDisplay(0);
  void* s = eglCreateWindowSurface(d, 0, (void*)0x1234, 0);
  return s == 0 ? eglGetError() : 0;
}
)";

TEST(Gles, NdkStyleLibraryRendersOffscreenAndToAWindowThroughMesa) {
  // Headless: the default display must be Mesa's surfaceless platform.
  for (const char* v : {"DISPLAY", "WAYLAND_DISPLAY", "EGL_PLATFORM"}) unsetenv(v);
  testing::TestObjects t;
  ASSERT_TRUE(t.Build("libEGL.so", kStubs).ok());
  ASSERT_TRUE(t.Build("libGLESv3.so", kGlStubs).ok());
  auto lib = t.Build("librender.so", std::string(kDecls) + kRenderer, {}, {"libEGL.so", "libGLESv3.so"});
  ASSERT_TRUE(lib.ok()) << lib.error().ToString();
  auto so = Linker::Instance().Open(*lib);
  ASSERT_TRUE(so.ok()) << so.error().ToString();
  // The stubs built above only satisfied the static link: the bridge binds
  // libEGL.so and libGLESv3.so to its virtual libraries (Mesa).
  EXPECT_EQ(Linker::Instance().Symbol(*so, "eglInitialize"), VirtualLibEGL().Lookup("eglInitialize"));
  EXPECT_NE(VirtualLibGLESv2().Lookup("glDrawArrays"), 0u);
  EXPECT_NE(VirtualLibGLESv2().Lookup("glTexStorage2D"), 0u);  // a GLES 3.0 entry point
  auto render = reinterpret_cast<int (*)(unsigned char*)>(Linker::Instance().Symbol(*so, "render"));
  ASSERT_NE(render, nullptr);
  unsigned char px[8] = {};
  ASSERT_EQ(render(px), 0);
  EXPECT_EQ(px[0], 255);
  EXPECT_NEAR(px[1], 128, 1);
  EXPECT_EQ(px[2], 0);
  EXPECT_EQ(px[3], 255);
  EXPECT_EQ(px[4], 0);  // inside the scissor box: the second clear colour
  EXPECT_EQ(px[5], 0);
  EXPECT_EQ(px[6], 255);
  auto window_error = reinterpret_cast<int (*)()>(Linker::Instance().Symbol(*so, "window_surface_error"));
  EXPECT_EQ(window_error(), 0x300B);  // EGL_BAD_NATIVE_WINDOW

  // A window of 40x24 whose buffers the app leaves at the window's size.
  auto window = android::NativeWindow::Create(40, 24);
  ASSERT_TRUE(window.ok()) << window.error().ToString();
  auto render_window = reinterpret_cast<int (*)(void*, int)>(Linker::Instance().Symbol(*so, "render_window"));
  ASSERT_NE(render_window, nullptr);
  ASSERT_EQ(render_window(*window, 3), 0);
  EXPECT_EQ((*window)->frames_posted(), 3u);
  const uint8_t* surface = (*window)->pixels();
  auto at = [&](int x, int y) { return surface + (size_t(y) * 40 + size_t(x)) * 4; };
  // The last frame, top row first: orange-to-yellow clear (green 255 in
  // frame 3 of 3) with the blue box in the bottom-left corner.
  const uint8_t top_left[4] = {255, 255, 0, 255}, blue[4] = {0, 0, 255, 255};
  EXPECT_EQ(memcmp(at(0, 0), top_left, 4), 0);
  EXPECT_EQ(memcmp(at(39, 23), top_left, 4), 0);
  EXPECT_EQ(memcmp(at(0, 23), blue, 4), 0);
  EXPECT_EQ(memcmp(at(7, 16), blue, 4), 0);
  EXPECT_EQ(memcmp(at(8, 16), top_left, 4), 0);
  EXPECT_EQ(memcmp(at(7, 15), top_left, 4), 0);
  // The surface held its own reference and gave it back when destroyed.
  (*window)->Release();
  EXPECT_FALSE(android::NativeWindow::IsLive(*window));
}

}  // namespace
}  // namespace vmi::bridge
