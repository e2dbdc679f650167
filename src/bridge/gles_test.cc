// libEGL.so/libGLESv2.so/libGLESv3.so of a bionic library resolve to the
// host's Mesa: a library built like NDK code (DT_NEEDED libEGL.so and
// libGLESv3.so) creates a pbuffer on the default display, renders with
// glClear and a scissored clear, and reads the pixels back.
#include <cstdlib>

#include <gtest/gtest.h>

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
EGLBoolean eglMakeCurrent(EGLDisplay, EGLSurface, EGLSurface, EGLContext);
EGLint eglGetError(void);
EGLBoolean eglTerminate(EGLDisplay);
void glClearColor(float, float, float, float);
void glClear(unsigned);
void glEnable(unsigned);
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
unsigned eglMakeCurrent(void* d, void* a, void* b, void* c) { return 0; }
int eglGetError(void) { return 0; }
unsigned eglTerminate(void* d) { return 0; }
)";

constexpr const char* kGlStubs = R"(
void glClearColor(float a, float b, float c, float d) {}
void glClear(unsigned m) {}
void glEnable(unsigned c) {}
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
int window_surface_error(void) {
  EGLDisplay d = eglGetDisplay(0);
  void* s = eglCreateWindowSurface(d, 0, (void*)0x1234, 0);
  return s == 0 ? eglGetError() : 0;
}
)";

TEST(Gles, NdkStyleLibraryRendersOffscreenThroughMesa) {
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
}

}  // namespace
}  // namespace vmi::bridge
