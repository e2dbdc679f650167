// ANativeWindow_* of libandroid.so and libnativewindow.so on the bridge's
// shared-memory windows (android/native_window.h). Results are Android's:
// 0 or a negative errno. ANativeWindow_fromSurface/toSurface (libandroid.so
// only) convert between a window and the android.view.Surface peer object
// of the JNI environment (jni::NewPeer). The frame-rate calls are hints and
// are accepted. Not provided: AHardwareBuffer_* (a library importing them
// fails to load, naming them).
#include <jni.h>

#include <cerrno>

#include "bridge/android/native_window.h"
#include "bridge/hooks/hooks.h"
#include "bridge/jni/jni_env.h"

namespace vmi::bridge::hooks {
namespace {

using android::NativeWindow;
constexpr const char* kSurfaceClass = "android/view/Surface";

void Acquire(NativeWindow* w) {
  if (w != nullptr) w->Acquire();
}
void Release(NativeWindow* w) {
  if (w != nullptr) w->Release();
}
int32_t Width(NativeWindow* w) { return w != nullptr ? w->Width() : -EINVAL; }
int32_t Height(NativeWindow* w) { return w != nullptr ? w->Height() : -EINVAL; }
int32_t Format(NativeWindow* w) { return w != nullptr ? w->Format() : -EINVAL; }
int32_t SetBuffersGeometry(NativeWindow* w, int32_t width, int32_t height, int32_t format) {
  return w != nullptr ? w->SetBuffersGeometry(width, height, format) : -EINVAL;
}
int32_t Lock(NativeWindow* w, android::WindowBuffer* out, android::WindowRect* dirty) {
  return w != nullptr ? w->Lock(out, dirty) : -EINVAL;
}
int32_t UnlockAndPost(NativeWindow* w) { return w != nullptr ? w->UnlockAndPost() : -EINVAL; }
int32_t SetBuffersTransform(NativeWindow* w, int32_t transform) {
  return w != nullptr ? w->SetBuffersTransform(transform) : -EINVAL;
}
int32_t SetBuffersDataSpace(NativeWindow* w, int32_t dataspace) {
  return w != nullptr ? w->SetBuffersDataSpace(dataspace) : -EINVAL;
}
int32_t GetBuffersDataSpace(NativeWindow* w) {
  return w != nullptr ? w->BuffersDataSpace() : -EINVAL;
}
int32_t SetFrameRate(NativeWindow* w, float rate, int8_t) {
  return w != nullptr && rate >= 0.0f ? 0 : -EINVAL;
}
int32_t SetFrameRateWithStrategy(NativeWindow* w, float rate, int8_t compat, int8_t) {
  return SetFrameRate(w, rate, compat);
}
int32_t TryAllocateBuffers(NativeWindow* w) { return w != nullptr ? 0 : -EINVAL; }

// The window stays owned by the Surface; the caller gets its own reference.
NativeWindow* FromSurface(JNIEnv*, jobject surface) {
  auto* w = static_cast<NativeWindow*>(jni::PeerOf(surface, kSurfaceClass));
  if (w != nullptr) w->Acquire();
  return w;
}
jobject ToSurface(JNIEnv*, NativeWindow* w) {
  if (w == nullptr) return nullptr;
  w->Acquire();  // held by the Surface object for the rest of the process
  return jni::NewPeer(kSurfaceClass, w);
}

const HookEntry kHooks[] = {
    VMI_HOOK("ANativeWindow_acquire", Acquire),
    VMI_HOOK("ANativeWindow_release", Release),
    VMI_HOOK("ANativeWindow_getWidth", Width),
    VMI_HOOK("ANativeWindow_getHeight", Height),
    VMI_HOOK("ANativeWindow_getFormat", Format),
    VMI_HOOK("ANativeWindow_setBuffersGeometry", SetBuffersGeometry),
    VMI_HOOK("ANativeWindow_lock", Lock),
    VMI_HOOK("ANativeWindow_unlockAndPost", UnlockAndPost),
    VMI_HOOK("ANativeWindow_setBuffersTransform", SetBuffersTransform),
    VMI_HOOK("ANativeWindow_setBuffersDataSpace", SetBuffersDataSpace),
    VMI_HOOK("ANativeWindow_getBuffersDataSpace", GetBuffersDataSpace),
    VMI_HOOK("ANativeWindow_setFrameRate", SetFrameRate),
    VMI_HOOK("ANativeWindow_setFrameRateWithChangeStrategy", SetFrameRateWithStrategy),
    VMI_HOOK("ANativeWindow_tryAllocateBuffers", TryAllocateBuffers),
};
const HookEntry kSurfaceHooks[] = {
    VMI_HOOK("ANativeWindow_fromSurface", FromSurface),
    VMI_HOOK("ANativeWindow_toSurface", ToSurface),
};

}  // namespace

void AddNativeWindowHooks(VirtualLibrary& lib, bool with_surface) {
  lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0]));
  if (with_surface) lib.AddHooks(kSurfaceHooks, sizeof(kSurfaceHooks) / sizeof(kSurfaceHooks[0]));
}

}  // namespace vmi::bridge::hooks
