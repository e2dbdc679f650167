// libjnigraphics.so: AndroidBitmap_* over the bitmaps of the bridge's JNI
// environment (jni::NewBitmap; there is no Java heap, so the host program
// creates the android.graphics.Bitmap objects it hands to native code).
// Results are Android's: ANDROID_BITMAP_RESULT_SUCCESS (0), _BAD_PARAMETER
// (-1) for a null argument or an object that is not a bitmap.
// Not provided: AndroidBitmap_compress, AndroidBitmap_getHardwareBuffer
// (a library importing them fails to load, naming them).
// Thread-safety: the lock count is atomic; the pixels are shared memory
// that callers synchronise themselves, as on Android.
#include <cstdint>

#include "bridge/hooks/hooks.h"
#include "bridge/jni/jni_env.h"

namespace vmi::bridge::hooks {
namespace {

constexpr int kSuccess = 0;
constexpr int kBadParameter = -1;
// ANDROID_BITMAP_FLAGS_ALPHA_*.
constexpr uint32_t kAlphaPremul = 0;
constexpr uint32_t kAlphaOpaque = 1;
constexpr int32_t kFormatRgb565 = 4;
constexpr int32_t kFormatA8 = 8;
// ADataSpace: sRGB (BT.709 primaries, sRGB transfer, full range); unknown.
constexpr int32_t kDataSpaceSrgb = 142671872;
constexpr int32_t kDataSpaceUnknown = 0;

struct AndroidBitmapInfo {
  uint32_t width, height, stride;
  int32_t format;
  uint32_t flags;
};

int GetInfo(JNIEnv* env, jobject obj, AndroidBitmapInfo* info) {
  jni::Bitmap* b = env != nullptr ? jni::BitmapOf(obj) : nullptr;
  if (b == nullptr || info == nullptr) return kBadParameter;
  *info = AndroidBitmapInfo{b->width, b->height, b->stride, b->format,
                            b->format == kFormatRgb565 ? kAlphaOpaque : kAlphaPremul};
  return kSuccess;
}

int LockPixels(JNIEnv* env, jobject obj, void** address) {
  jni::Bitmap* b = env != nullptr ? jni::BitmapOf(obj) : nullptr;
  if (b == nullptr) return kBadParameter;
  ++b->locks;
  // Android allows a null address: the call only pins the pixels.
  if (address != nullptr) *address = b->pixels.data();
  return kSuccess;
}

int UnlockPixels(JNIEnv* env, jobject obj) {
  jni::Bitmap* b = env != nullptr ? jni::BitmapOf(obj) : nullptr;
  if (b == nullptr) return kBadParameter;
  int locks = b->locks.load();
  while (locks > 0 && !b->locks.compare_exchange_weak(locks, locks - 1)) {
  }
  return kSuccess;
}

int32_t GetDataSpace(JNIEnv* env, jobject obj) {
  jni::Bitmap* b = env != nullptr ? jni::BitmapOf(obj) : nullptr;
  if (b == nullptr || b->format == kFormatA8) return kDataSpaceUnknown;
  return kDataSpaceSrgb;
}

const HookEntry kHooks[] = {
    VMI_HOOK("AndroidBitmap_getInfo", GetInfo),
    VMI_HOOK("AndroidBitmap_lockPixels", LockPixels),
    VMI_HOOK("AndroidBitmap_unlockPixels", UnlockPixels),
    VMI_HOOK("AndroidBitmap_getDataSpace", GetDataSpace),
};

}  // namespace

void RegisterLibjnigraphics(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }

}  // namespace vmi::bridge::hooks
