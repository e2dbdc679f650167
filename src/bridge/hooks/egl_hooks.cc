// libEGL.so / libGLESv2.so / libGLESv3.so: the host's Mesa (llvmpipe when no
// GPU). EGL and GLES have one ABI on every Linux (khrplatform types, handles
// are pointers), so everything resolves straight except what names Android
// native objects:
//
//  * eglGetDisplay(EGL_DEFAULT_DISPLAY): on Android the device's display. Here
//    Mesa's default platform (X11) is used when $DISPLAY or $EGL_PLATFORM is
//    set; otherwise the surfaceless platform, so pbuffer and FBO rendering
//    work on a headless host.
//  * Window surfaces: an Android EGLNativeWindowType is an ANativeWindow*,
//    which Mesa cannot draw to. eglCreateWindowSurface on one of the bridge's
//    windows (android/native_window.h) gives a Mesa pbuffer of the window's
//    buffer size, and eglSwapBuffers reads the frame back (glReadPixels, rows
//    flipped: GL's origin is bottom-left) and posts it to the window through
//    its CPU path, as a software compositor would. Anything else passed as a
//    window fails with EGL_BAD_NATIVE_WINDOW, as Android's EGL does for a
//    window it cannot use, instead of Mesa misreading the pointer as an X11
//    window id. So that apps find configs for windows, eglChooseConfig asks
//    Mesa for pbuffer configs where windows are asked for (EGL's default),
//    and eglGetConfigAttrib(EGL_SURFACE_TYPE) reports EGL_WINDOW_BIT on every
//    pbuffer config.
// Limits: one copy per frame through the CPU (about what Android's software
// renderer costs); EGL_RENDER_BUFFER/colour-space attributes of the window
// surface are ignored; a window whose buffer geometry changes after the
// surface was made receives the overlapping part.
// Thread-safety: that of Mesa; the window-surface table has its own lock.
#include <dlfcn.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

#include "bridge/android/native_window.h"
#include "bridge/hooks/hooks.h"

namespace vmi::bridge::hooks {
namespace {

using android::NativeWindow;

constexpr unsigned kEglPlatformSurfacelessMesa = 0x31DD;
constexpr int kEglBadNativeWindow = 0x300B;
constexpr int kEglBadSurface = 0x300D;
constexpr int kEglSurfaceType = 0x3033;
constexpr int kEglNone = 0x3038;
constexpr int kEglWidth = 0x3057;
constexpr int kEglHeight = 0x3056;
constexpr int kEglDraw = 0x3059;
constexpr int kEglContextClientVersion = 0x3098;
constexpr int kEglPbufferBit = 0x1;
constexpr int kEglWindowBit = 0x4;
constexpr int kEglDontCare = -1;
constexpr unsigned kGlRgba = 0x1908, kGlUnsignedByte = 0x1401;
constexpr unsigned kGlFramebuffer = 0x8D40, kGlFramebufferBinding = 0x8CA6;
constexpr unsigned kGlPixelPackBuffer = 0x88EB, kGlPixelPackBufferBinding = 0x88ED;
constexpr unsigned kGlPackAlignment = 0x0D05;

void* Open(const char* soname) {
  void* h = dlopen(soname, RTLD_NOW | RTLD_NOLOAD);
  return h != nullptr ? h : dlopen(soname, RTLD_NOW);
}
void* Egl() {
  static void* h = Open("libEGL.so.1");
  return h;
}
void* Gles() {
  static void* h = Open("libGLESv2.so.2");
  return h;
}
template <typename F>
F EglFn(const char* name) {
  return Egl() != nullptr ? reinterpret_cast<F>(dlsym(Egl(), name)) : nullptr;
}
template <typename F>
F GlFn(const char* name) {
  return Gles() != nullptr ? reinterpret_cast<F>(dlsym(Gles(), name)) : nullptr;
}

void* GetDisplay(void* native) {
  auto get_display = EglFn<void* (*)(void*)>("eglGetDisplay");
  if (native != nullptr || getenv("DISPLAY") != nullptr || getenv("WAYLAND_DISPLAY") != nullptr ||
      getenv("EGL_PLATFORM") != nullptr) {
    return get_display != nullptr ? get_display(native) : nullptr;
  }
  auto get_platform = EglFn<void* (*)(unsigned, void*, const intptr_t*)>("eglGetPlatformDisplay");
  return get_platform != nullptr ? get_platform(kEglPlatformSurfacelessMesa, nullptr, nullptr) : nullptr;
}

// Mesa keeps the last error per thread; a failing call it never saw cannot
// set it, so the hook records its own and eglGetError reports it once.
thread_local int t_error = 0;
int GetError() {
  if (t_error != 0) {
    int e = t_error;
    t_error = 0;
    return e;
  }
  auto get_error = EglFn<int (*)()>("eglGetError");
  return get_error != nullptr ? get_error() : 0x3001;  // EGL_NOT_INITIALIZED
}

unsigned ChooseConfig(void* dpy, const int* attrs, void** configs, int size, int* num) {
  auto choose = EglFn<unsigned (*)(void*, const int*, void**, int, int*)>("eglChooseConfig");
  if (choose == nullptr) return 0;
  std::vector<int> a;
  bool surface_type = false;
  for (const int* p = attrs; p != nullptr && p[0] != kEglNone; p += 2) {
    int v = p[1];
    if (p[0] == kEglSurfaceType) {
      surface_type = true;
      if (v != kEglDontCare && (v & kEglWindowBit) != 0) v = (v & ~kEglWindowBit) | kEglPbufferBit;
    }
    a.insert(a.end(), {p[0], v});
  }
  if (!surface_type) a.insert(a.end(), {kEglSurfaceType, kEglPbufferBit});  // EGL's default is WINDOW
  a.push_back(kEglNone);
  return choose(dpy, a.data(), configs, size, num);
}

unsigned GetConfigAttrib(void* dpy, void* config, int attribute, int* value) {
  auto get = EglFn<unsigned (*)(void*, void*, int, int*)>("eglGetConfigAttrib");
  if (get == nullptr) return 0;
  const unsigned ok = get(dpy, config, attribute, value);
  if (ok != 0 && attribute == kEglSurfaceType && value != nullptr && (*value & kEglPbufferBit) != 0) {
    *value |= kEglWindowBit;
  }
  return ok;
}

// EGLSurface -> the window it presents to (one reference held).
struct WindowSurface {
  NativeWindow* window;
  int32_t width, height;
};
std::mutex g_surfaces_mu;
std::map<void*, WindowSurface>& Surfaces() {
  static auto* m = new std::map<void*, WindowSurface>;  // never destroyed: used at exit
  return *m;
}

void* CreateWindowSurface(void* dpy, void* config, void* native, const int*) {
  if (!NativeWindow::IsLive(native)) {
    t_error = kEglBadNativeWindow;
    return nullptr;
  }
  auto* window = static_cast<NativeWindow*>(native);
  auto create = EglFn<void* (*)(void*, void*, const int*)>("eglCreatePbufferSurface");
  if (create == nullptr) {
    t_error = kEglBadNativeWindow;
    return nullptr;
  }
  const int32_t w = window->Width(), h = window->Height();
  const int attrs[] = {kEglWidth, w, kEglHeight, h, kEglNone};
  void* surface = create(dpy, config, attrs);
  if (surface == nullptr) return nullptr;  // Mesa's error stands
  window->Acquire();
  std::lock_guard<std::mutex> lock(g_surfaces_mu);
  Surfaces()[surface] = WindowSurface{window, w, h};
  return surface;
}

// Reads the current draw surface's colour buffer (w x h, bottom-up RGBA).
// The application's framebuffer, pack buffer and pack alignment are put
// back, and no GL error is left behind for it to see.
std::vector<uint8_t> ReadFrame(int32_t w, int32_t h, bool gles3) {
  auto get_integer = GlFn<void (*)(unsigned, int*)>("glGetIntegerv");
  auto bind_framebuffer = GlFn<void (*)(unsigned, unsigned)>("glBindFramebuffer");
  auto bind_buffer = GlFn<void (*)(unsigned, unsigned)>("glBindBuffer");
  auto pixel_store = GlFn<void (*)(unsigned, int)>("glPixelStorei");
  auto read_pixels = GlFn<void (*)(int, int, int, int, unsigned, unsigned, void*)>("glReadPixels");
  std::vector<uint8_t> rgba(size_t(w) * size_t(h) * 4);
  if (get_integer == nullptr || bind_framebuffer == nullptr || bind_buffer == nullptr ||
      pixel_store == nullptr || read_pixels == nullptr) {
    return rgba;
  }
  int framebuffer = 0, pack_buffer = 0, alignment = 4;
  get_integer(kGlFramebufferBinding, &framebuffer);
  get_integer(kGlPackAlignment, &alignment);
  if (gles3) get_integer(kGlPixelPackBufferBinding, &pack_buffer);
  bind_framebuffer(kGlFramebuffer, 0);
  if (pack_buffer != 0) bind_buffer(kGlPixelPackBuffer, 0);
  pixel_store(kGlPackAlignment, 4);
  read_pixels(0, 0, w, h, kGlRgba, kGlUnsignedByte, rgba.data());
  pixel_store(kGlPackAlignment, alignment);
  if (pack_buffer != 0) bind_buffer(kGlPixelPackBuffer, static_cast<unsigned>(pack_buffer));
  bind_framebuffer(kGlFramebuffer, static_cast<unsigned>(framebuffer));
  return rgba;
}

// Copies a bottom-up RGBA frame into the window's buffer, top row first.
void Present(NativeWindow* window, const std::vector<uint8_t>& rgba, int32_t w, int32_t h) {
  android::WindowBuffer buf{};
  if (window->Lock(&buf, nullptr) != 0) return;
  const int32_t rows = std::min(h, buf.height), cols = std::min(w, buf.width);
  for (int32_t y = 0; y < rows; ++y) {
    const uint8_t* src = rgba.data() + size_t(h - 1 - y) * size_t(w) * 4;
    if (buf.format == android::kFormatRgb565) {
      auto* dst = static_cast<uint8_t*>(buf.bits) + size_t(y) * size_t(buf.stride) * 2;
      for (int32_t x = 0; x < cols; ++x) {
        const uint8_t* p = src + 4 * x;
        const uint16_t v = uint16_t(((p[0] >> 3) << 11) | ((p[1] >> 2) << 5) | (p[2] >> 3));
        dst[2 * x] = uint8_t(v & 0xff);
        dst[2 * x + 1] = uint8_t(v >> 8);
      }
    } else {
      auto* dst = static_cast<uint8_t*>(buf.bits) + size_t(y) * size_t(buf.stride) * 4;
      memcpy(dst, src, size_t(cols) * 4);
    }
  }
  window->UnlockAndPost();
}

unsigned SwapBuffers(void* dpy, void* surface) {
  auto swap = EglFn<unsigned (*)(void*, void*)>("eglSwapBuffers");
  WindowSurface ws{};
  {
    std::lock_guard<std::mutex> lock(g_surfaces_mu);
    auto it = Surfaces().find(surface);
    if (it == Surfaces().end()) return swap != nullptr ? swap(dpy, surface) : 0;
    ws = it->second;
  }
  auto current_surface = EglFn<void* (*)(int)>("eglGetCurrentSurface");
  auto current_context = EglFn<void* (*)()>("eglGetCurrentContext");
  auto query_context = EglFn<unsigned (*)(void*, void*, int, int*)>("eglQueryContext");
  if (current_surface == nullptr || current_surface(kEglDraw) != surface || current_context == nullptr) {
    t_error = kEglBadSurface;  // as EGL does for a surface not current on this thread
    return 0;
  }
  int version = 2;
  if (query_context != nullptr) query_context(dpy, current_context(), kEglContextClientVersion, &version);
  Present(ws.window, ReadFrame(ws.width, ws.height, version >= 3), ws.width, ws.height);
  return swap != nullptr ? swap(dpy, surface) : 1;
}

unsigned DestroySurface(void* dpy, void* surface) {
  NativeWindow* window = nullptr;
  {
    std::lock_guard<std::mutex> lock(g_surfaces_mu);
    auto it = Surfaces().find(surface);
    if (it != Surfaces().end()) {
      window = it->second.window;
      Surfaces().erase(it);
    }
  }
  if (window != nullptr) window->Release();
  auto destroy = EglFn<unsigned (*)(void*, void*)>("eglDestroySurface");
  return destroy != nullptr ? destroy(dpy, surface) : 0;
}

const HookEntry kHooks[] = {
    VMI_HOOK("eglGetDisplay", GetDisplay),
    VMI_HOOK("eglChooseConfig", ChooseConfig),
    VMI_HOOK("eglGetConfigAttrib", GetConfigAttrib),
    VMI_HOOK("eglCreateWindowSurface", CreateWindowSurface),
    VMI_HOOK("eglSwapBuffers", SwapBuffers),
    VMI_HOOK("eglDestroySurface", DestroySurface),
    VMI_HOOK("eglGetError", GetError),
};

}  // namespace

void RegisterLibEGL(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }

}  // namespace vmi::bridge::hooks
