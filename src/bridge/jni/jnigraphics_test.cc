// libjnigraphics.so: a bionic library built like NDK code (DT_NEEDED
// libjnigraphics.so) gets a bitmap's info, locks its pixels, draws into
// them and unlocks, the way a JNI image filter does; the host sees the
// pixels. Non-bitmap and null arguments give ANDROID_BITMAP_RESULT_BAD_PARAMETER.
#include <gtest/gtest.h>

#include "bridge/jni/jni_env.h"
#include "bridge/linker.h"
#include "bridge/testing/test_objects.h"

namespace vmi::bridge {
namespace {

constexpr const char* kStubs = R"(
int AndroidBitmap_getInfo(void* e, void* b, void* i) { return 0; }
int AndroidBitmap_lockPixels(void* e, void* b, void** p) { return 0; }
int AndroidBitmap_unlockPixels(void* e, void* b) { return 0; }
int AndroidBitmap_getDataSpace(void* e, void* b) { return 0; }
)";

constexpr const char* kFilter = R"(
#include <jni.h>
#include <stdint.h>
typedef struct { uint32_t width, height, stride; int32_t format; uint32_t flags; } AndroidBitmapInfo;
int AndroidBitmap_getInfo(JNIEnv*, jobject, AndroidBitmapInfo*);
int AndroidBitmap_lockPixels(JNIEnv*, jobject, void**);
int AndroidBitmap_unlockPixels(JNIEnv*, jobject);
int AndroidBitmap_getDataSpace(JNIEnv*, jobject);

/* Paints pixel (x, y) of an RGBA_8888 bitmap as (x, y, 7, 255). */
int paint(JNIEnv* env, jobject bitmap, AndroidBitmapInfo* out) {
  int rc = AndroidBitmap_getInfo(env, bitmap, out);
  if (rc != 0) return rc;
  if (out->format != 1) return -100;
  void* pixels = 0;
  rc = AndroidBitmap_lockPixels(env, bitmap, &pixels);
  if (rc != 0) return rc;
  for (uint32_t y = 0; y < out->height; y++) {
    uint8_t* row = (uint8_t*)pixels + y * out->stride;
    for (uint32_t x = 0; x < out->width; x++) {
      row[4 * x] = (uint8_t)x; row[4 * x + 1] = (uint8_t)y; row[4 * x + 2] = 7; row[4 * x + 3] = 255;
    }
  }
  return AndroidBitmap_unlockPixels(env, bitmap);
}

int misuse(JNIEnv* env, jobject not_bitmap, int* codes) {
  AndroidBitmapInfo info;
  void* p = 0;
  codes[0] = AndroidBitmap_getInfo(env, not_bitmap, &info);
  codes[1] = AndroidBitmap_getInfo(env, 0, &info);
  codes[2] = AndroidBitmap_lockPixels(env, not_bitmap, &p);
  codes[3] = AndroidBitmap_unlockPixels(env, 0);
  codes[4] = AndroidBitmap_getDataSpace(env, not_bitmap);
  return p == 0;
}
)";

TEST(JniGraphics, NdkStyleFilterDrawsIntoABitmap) {
  testing::TestObjects t;
  ASSERT_TRUE(t.Build("libjnigraphics.so", kStubs).ok());
  auto lib = t.Build("libfilter.so", kFilter, {std::string("-I") + VMI_JNI_INCLUDE}, {"libjnigraphics.so"});
  ASSERT_TRUE(lib.ok()) << lib.error().ToString();
  auto so = Linker::Instance().Open(*lib);
  ASSERT_TRUE(so.ok()) << so.error().ToString();
  struct Info {
    uint32_t width, height, stride;
    int32_t format;
    uint32_t flags;
  };
  auto paint = reinterpret_cast<int (*)(JNIEnv*, jobject, Info*)>(Linker::Instance().Symbol(*so, "paint"));
  auto misuse = reinterpret_cast<int (*)(JNIEnv*, jobject, int*)>(Linker::Instance().Symbol(*so, "misuse"));
  ASSERT_NE(paint, nullptr);
  ASSERT_NE(misuse, nullptr);

  JNIEnv* env = jni::Env();
  jobject bitmap = jni::NewBitmap(13, 5, 1);  // RGBA_8888
  ASSERT_NE(bitmap, nullptr);
  Info info{};
  ASSERT_EQ(paint(env, bitmap, &info), 0);
  EXPECT_EQ(info.width, 13u);
  EXPECT_EQ(info.height, 5u);
  EXPECT_EQ(info.stride, 52u);
  EXPECT_EQ(info.flags, 0u);  // ANDROID_BITMAP_FLAGS_ALPHA_PREMUL
  jni::Bitmap* pixels = jni::BitmapOf(bitmap);
  ASSERT_NE(pixels, nullptr);
  EXPECT_EQ(pixels->locks.load(), 0);
  for (uint32_t y = 0; y < 5; ++y) {
    for (uint32_t x = 0; x < 13; ++x) {
      const uint8_t* px = pixels->pixels.data() + y * 52 + x * 4;
      ASSERT_EQ(px[0], x);
      ASSERT_EQ(px[1], y);
      ASSERT_EQ(px[2], 7);
      ASSERT_EQ(px[3], 255);
    }
  }

  jobject text = env->NewStringUTF("not a bitmap");
  int codes[5] = {1, 1, 1, 1, 1};
  EXPECT_EQ(misuse(env, text, codes), 1);  // no address handed out
  for (int i = 0; i < 4; ++i) EXPECT_EQ(codes[i], -1) << "call " << i;  // ANDROID_BITMAP_RESULT_BAD_PARAMETER
  EXPECT_EQ(codes[4], 0);  // ADATASPACE_UNKNOWN

  EXPECT_EQ(jni::NewBitmap(4, 4, 3), nullptr);  // no such format
  EXPECT_EQ(jni::NewBitmap(0, 4, 1), nullptr);
  env->DeleteLocalRef(text);
  env->DeleteLocalRef(bitmap);
}

}  // namespace
}  // namespace vmi::bridge
