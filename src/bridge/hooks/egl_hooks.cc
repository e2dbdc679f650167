// libEGL.so / libGLESv2.so / libGLESv3.so: the host's Mesa (llvmpipe when no
// GPU). EGL and GLES have one ABI on every Linux (khrplatform types, handles
// are pointers), so everything resolves straight except what names Android
// native objects:
//
//  * eglGetDisplay(EGL_DEFAULT_DISPLAY): on Android the device's display. Here
//    Mesa's default platform (X11) is used when $DISPLAY or $EGL_PLATFORM is
//    set; otherwise the surfaceless platform, so pbuffer and FBO rendering
//    work on a headless host.
//  * eglCreateWindowSurface: an Android EGLNativeWindowType is an
//    ANativeWindow*, which Mesa cannot draw to; the hook fails with
//    EGL_BAD_NATIVE_WINDOW, as Android's EGL does for a window it cannot use,
//    instead of letting Mesa misread the pointer as an X11 window id.
// Thread-safety: that of Mesa.
#include <dlfcn.h>

#include <cstdint>
#include <cstdlib>

#include "bridge/hooks/hooks.h"

namespace vmi::bridge::hooks {
namespace {

constexpr unsigned kEglPlatformSurfacelessMesa = 0x31DD;
constexpr int kEglBadNativeWindow = 0x300B;

void* Egl() {
  static void* h = [] {
    void* e = dlopen("libEGL.so.1", RTLD_NOW | RTLD_NOLOAD);
    return e != nullptr ? e : dlopen("libEGL.so.1", RTLD_NOW);
  }();
  return h;
}

template <typename F>
F EglFn(const char* name) {
  return Egl() != nullptr ? reinterpret_cast<F>(dlsym(Egl(), name)) : nullptr;
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
void* CreateWindowSurface(void*, void*, void*, const int*) {
  t_error = kEglBadNativeWindow;
  return nullptr;
}
int GetError() {
  if (t_error != 0) {
    int e = t_error;
    t_error = 0;
    return e;
  }
  auto get_error = EglFn<int (*)()>("eglGetError");
  return get_error != nullptr ? get_error() : 0x3001;  // EGL_NOT_INITIALIZED
}

const HookEntry kHooks[] = {
    VMI_HOOK("eglGetDisplay", GetDisplay),
    VMI_HOOK("eglCreateWindowSurface", CreateWindowSurface),
    VMI_HOOK("eglGetError", GetError),
};

}  // namespace

void RegisterLibEGL(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }

}  // namespace vmi::bridge::hooks
