// libandroid.so and libnativewindow.so: a bionic library built like NDK
// code (DT_NEEDED libandroid.so) drives ALooper over pipes, reads assets
// from a zipaligned APK (stored and deflated) and from a directory, asks
// for the device configuration, draws into an ANativeWindow that the host
// reads back from the shared-memory surface, and uses ASharedMemory and the
// (empty) sensor list. Wrong calls must give Android's error values.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

#include "base/temp_dir.h"
#include "bridge/android/native_window.h"
#include "bridge/bridge.h"
#include "bridge/jni/jni_env.h"
#include "bridge/linker.h"
#include "bridge/properties.h"
#include "bridge/testing/ndk_app.h"
#include "bridge/testing/test_objects.h"
#include "bridge/testing/test_zip.h"
#include "bridge/virtual_library.h"

namespace vmi::bridge {
namespace {

constexpr const char* kApp = R"(
typedef long off_t;
typedef struct ALooper ALooper;
typedef struct AAssetManager AAssetManager;
typedef struct AAsset AAsset;
typedef struct AAssetDir AAssetDir;
typedef struct AConfiguration AConfiguration;
typedef struct ANativeWindow ANativeWindow;
typedef struct { int width, height, stride, format; void* bits; unsigned reserved[6]; } ANativeWindow_Buffer;
typedef struct { int left, top, right, bottom; } ARect;
typedef int (*ALooper_callbackFunc)(int fd, int events, void* data);
typedef void* JNIEnv;
ALooper* ALooper_prepare(int);
ALooper* ALooper_forThread(void);
int ALooper_pollOnce(int, int*, int*, void**);
int ALooper_pollAll(int, int*, int*, void**);
int ALooper_addFd(ALooper*, int, int, int, ALooper_callbackFunc, void*);
int ALooper_removeFd(ALooper*, int);
void ALooper_wake(ALooper*);
AAssetManager* AAssetManager_fromJava(JNIEnv*, void*);
AAsset* AAssetManager_open(AAssetManager*, const char*, int);
AAssetDir* AAssetManager_openDir(AAssetManager*, const char*);
const char* AAssetDir_getNextFileName(AAssetDir*);
void AAssetDir_rewind(AAssetDir*);
void AAssetDir_close(AAssetDir*);
int AAsset_read(AAsset*, void*, unsigned long);
off_t AAsset_seek(AAsset*, off_t, int);
off_t AAsset_getLength(AAsset*);
off_t AAsset_getRemainingLength(AAsset*);
const void* AAsset_getBuffer(AAsset*);
int AAsset_openFileDescriptor(AAsset*, off_t*, off_t*);
void AAsset_close(AAsset*);
AConfiguration* AConfiguration_new(void);
void AConfiguration_delete(AConfiguration*);
void AConfiguration_fromAssetManager(AConfiguration*, AAssetManager*);
int AConfiguration_getDensity(AConfiguration*);
int AConfiguration_getSdkVersion(AConfiguration*);
int AConfiguration_getOrientation(AConfiguration*);
int AConfiguration_getScreenWidthDp(AConfiguration*);
void AConfiguration_getLanguage(AConfiguration*, char*);
void AConfiguration_getCountry(AConfiguration*, char*);
void AConfiguration_setDensity(AConfiguration*, int);
void AConfiguration_copy(AConfiguration*, AConfiguration*);
int AConfiguration_diff(AConfiguration*, AConfiguration*);
ANativeWindow* ANativeWindow_fromSurface(JNIEnv*, void*);
void ANativeWindow_release(ANativeWindow*);
int ANativeWindow_getWidth(ANativeWindow*);
int ANativeWindow_getHeight(ANativeWindow*);
int ANativeWindow_getFormat(ANativeWindow*);
int ANativeWindow_setBuffersGeometry(ANativeWindow*, int, int, int);
int ANativeWindow_lock(ANativeWindow*, ANativeWindow_Buffer*, ARect*);
int ANativeWindow_unlockAndPost(ANativeWindow*);
int ANativeWindow_setBuffersTransform(ANativeWindow*, int);
int ASharedMemory_create(const char*, unsigned long);
unsigned long ASharedMemory_getSize(int);
int ASharedMemory_setProt(int, int);
void* ASensorManager_getInstance(void);
int ASensorManager_getSensorList(void*, const void* const**);
const void* ASensorManager_getDefaultSensor(void*, int);
void* ASensorManager_createEventQueue(void*, ALooper*, int, ALooper_callbackFunc, void*);
int ASensorManager_destroyEventQueue(void*, void*);
int ASensorEventQueue_enableSensor(void*, const void*);
long ASensorEventQueue_getEvents(void*, void*, unsigned long);
void ATrace_beginSection(const char*);
void ATrace_endSection(void);
int read(int, void*, unsigned long);

static int g_calls;
static int on_input(int fd, int events, void* data) {
  char c;
  read(fd, &c, 1);
  ++g_calls;
  *(char*)data = c;
  return 0;  /* unregister */
}

/* a and b are pipes' read ends with one byte each waiting. */
int looper_steps(int a, int b, int* out) {
  ATrace_beginSection("looper");
  ALooper* l = ALooper_prepare(1 /* ALLOW_NON_CALLBACKS */);
  if (!l || ALooper_forThread() != l) return 1;
  static int tag;
  if (ALooper_addFd(l, a, 7, 1 /* INPUT */, 0, &tag) != 1) return 2;
  int fd = -1, events = 0; void* data = 0;
  out[0] = ALooper_pollOnce(0, &fd, &events, &data);
  if (fd != a || !(events & 1) || data != &tag) return 3;
  char c;
  read(a, &c, 1);
  out[1] = ALooper_pollOnce(0, 0, 0, 0);           /* nothing ready: TIMEOUT */
  char got = 0;
  if (ALooper_addFd(l, b, 99, 1, on_input, &got) != 1) return 4;
  out[2] = ALooper_pollAll(0, 0, 0, 0);             /* runs the callback, then TIMEOUT */
  out[3] = g_calls * 1000 + got;
  out[4] = ALooper_removeFd(l, b);                  /* 0: the callback unregistered it */
  out[5] = ALooper_removeFd(l, a);
  ALooper_wake(l);
  out[6] = ALooper_pollOnce(1000, 0, 0, 0);         /* WAKE */
  out[7] = ALooper_addFd(l, -1, 1, 1, 0, 0);
  ATrace_endSection();
  return 0;
}

ALooper* this_looper(void) { return ALooper_forThread(); }
int poll_forever(void) { return ALooper_pollOnce(-1, 0, 0, 0); }
int strict_looper(int fd) { ALooper_prepare(0); return ALooper_addFd(ALooper_forThread(), fd, 3, 1, 0, 0); }

/* Reads `name` whole through AAsset_read in 5-byte steps. */
int read_asset(JNIEnv* env, void* jmgr, const char* name, char* out, int cap, long* fd_start, long* remaining) {
  AAssetManager* m = AAssetManager_fromJava(env, jmgr);
  if (!m) return -100;
  AAsset* a = AAssetManager_open(m, name, 2 /* BUFFER */);
  if (!a) return -1;
  int n = 0, r;
  while (n < cap && (r = AAsset_read(a, out + n, cap - n < 5 ? cap - n : 5)) > 0) n += r;
  if (AAsset_getLength(a) != n || AAsset_getRemainingLength(a) != 0) return -2;
  if (n >= 2 && (AAsset_seek(a, 2, 0 /* SEEK_SET */) != 2 || AAsset_getRemainingLength(a) != n - 2)) return -3;
  if (AAsset_seek(a, 1, 2 /* SEEK_END */) != -1) return -4;
  const char* buf = AAsset_getBuffer(a);
  for (int i = 0; i < n; ++i) if (buf[i] != out[i]) return -5;
  off_t start = -1, len = -1;
  int fd = AAsset_openFileDescriptor(a, &start, &len);
  *fd_start = fd >= 0 ? start : -1;
  *remaining = fd >= 0 ? len : -1;
  AAsset_close(a);
  return n;
}

/* The names in `dir`, joined by ','. */
int list_assets(JNIEnv* env, void* jmgr, const char* dir, char* out) {
  AAssetDir* d = AAssetManager_openDir(AAssetManager_fromJava(env, jmgr), dir);
  if (!d) return -1;
  int n = 0;
  for (int pass = 0; pass < 2; ++pass) {  /* twice, through rewind */
    const char* name;
    n = 0;
    while ((name = AAssetDir_getNextFileName(d)) != 0) {
      if (n) out[n++] = ',';
      while (*name) out[n++] = *name++;
    }
    out[n] = 0;
    AAssetDir_rewind(d);
  }
  AAssetDir_close(d);
  return n;
}

int configuration(JNIEnv* env, void* jmgr, int* out, char* locale) {
  AConfiguration* c = AConfiguration_new();
  AConfiguration_fromAssetManager(c, AAssetManager_fromJava(env, jmgr));
  out[0] = AConfiguration_getDensity(c);
  out[1] = AConfiguration_getSdkVersion(c);
  out[2] = AConfiguration_getOrientation(c);
  out[3] = AConfiguration_getScreenWidthDp(c);
  AConfiguration_getLanguage(c, locale);
  AConfiguration_getCountry(c, locale + 2);
  AConfiguration* d = AConfiguration_new();
  AConfiguration_copy(d, c);
  out[4] = AConfiguration_diff(c, d);
  AConfiguration_setDensity(d, 1);
  out[5] = AConfiguration_diff(c, d);
  AConfiguration_delete(d);
  AConfiguration_delete(c);
  return 0;
}

/* Frame 1: an RGBA gradient at the window's size. Frame 2 (draw565): a
   4x2 RGB_565 buffer, which the surface scales. */
int draw(JNIEnv* env, void* surface, int* out) {
  ANativeWindow* w = ANativeWindow_fromSurface(env, surface);
  if (!w) return 1;
  out[0] = ANativeWindow_getWidth(w);
  out[1] = ANativeWindow_getHeight(w);
  out[2] = ANativeWindow_getFormat(w);
  ANativeWindow_Buffer b;
  if (ANativeWindow_lock(w, &b, 0) != 0) return 2;
  out[3] = b.stride;
  out[4] = ANativeWindow_lock(w, &b, 0);            /* already locked */
  for (int y = 0; y < b.height; ++y)
    for (int x = 0; x < b.width; ++x) {
      unsigned char* p = (unsigned char*)b.bits + 4 * (y * b.stride + x);
      p[0] = x * 10; p[1] = y * 20; p[2] = 77; p[3] = 200;
    }
  if (ANativeWindow_unlockAndPost(w) != 0) return 3;
  out[5] = ANativeWindow_unlockAndPost(w);          /* not locked */
  ANativeWindow_release(w);
  return 0;
}

int draw565(JNIEnv* env, void* surface, int* out) {
  ANativeWindow* w = ANativeWindow_fromSurface(env, surface);
  ANativeWindow_Buffer b;
  out[6] = ANativeWindow_setBuffersGeometry(w, 4, 0, 4);  /* one size 0: invalid */
  out[7] = ANativeWindow_setBuffersGeometry(w, 4, 2, 0x16);  /* FP16: not on the CPU path */
  if (ANativeWindow_setBuffersGeometry(w, 4, 2, 4 /* RGB_565 */) != 0) return 4;
  out[8] = ANativeWindow_setBuffersTransform(w, 4 /* ROT_90 */);
  ARect dirty = {1, 1, 2, 2};
  if (ANativeWindow_lock(w, &b, &dirty) != 0) return 5;
  out[9] = b.width * 100 + b.height * 10 + b.format;
  for (int y = 0; y < b.height; ++y)
    for (int x = 0; x < b.width; ++x)
      ((unsigned short*)b.bits)[y * b.stride + x] = x < 2 ? 0xF800 /* red */ : 0x001F /* blue */;
  if (ANativeWindow_unlockAndPost(w) != 0) return 6;
  ANativeWindow_release(w);
  return 0;
}

int shared_memory(int* out) {
  int fd = ASharedMemory_create("test", 8192);
  if (fd < 0) return fd;
  out[0] = (int)ASharedMemory_getSize(fd);
  out[1] = ASharedMemory_setProt(fd, 1 /* PROT_READ */);
  out[2] = ASharedMemory_setProt(fd, 3 /* READ|WRITE back: refused */);
  return fd;
}

int sensors(int* out) {
  void* m = ASensorManager_getInstance();
  const void* const* list = 0;
  out[0] = ASensorManager_getSensorList(m, &list);
  out[1] = list && list[0] == 0;
  out[2] = ASensorManager_getDefaultSensor(m, 1 /* ACCELEROMETER */) != 0;
  void* q = ASensorManager_createEventQueue(m, ALooper_prepare(1), 5, 0, 0);
  if (!q) return 1;
  out[3] = ASensorEventQueue_enableSensor(q, 0);
  char ev[104];
  out[4] = (int)ASensorEventQueue_getEvents(q, ev, 1);
  out[5] = ASensorManager_destroyEventQueue(m, q);
  return 0;
}
)";

class LibandroidTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(app_.Load(objs_, "libapp.so", kApp, "libandroid.so"));
  }
  template <typename F>
  F Fn(const char* name) {
    return app_.Fn<F>(name);
  }
  testing::TestObjects objs_;
  testing::NdkApp app_;
};

TEST_F(LibandroidTest, LooperReportsIdentsRunsCallbacksAndWakes) {
  int a[2], b[2];
  ASSERT_EQ(pipe(a), 0);
  ASSERT_EQ(pipe(b), 0);
  ASSERT_EQ(write(a[1], "x", 1), 1);
  ASSERT_EQ(write(b[1], "y", 1), 1);
  int out[8] = {};
  // Each test's looper lives on a thread of its own.
  int rc = -1;
  std::thread([&] { rc = Fn<int (*)(int, int, int*)>("looper_steps")(a[0], b[0], out); }).join();
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(out[0], 7);           // the ident given to addFd
  EXPECT_EQ(out[1], -3);          // ALOOPER_POLL_TIMEOUT
  EXPECT_EQ(out[2], -3);          // pollAll: callback, then timeout
  EXPECT_EQ(out[3], 1000 + 'y');  // the callback ran once with its data
  EXPECT_EQ(out[4], 0);
  EXPECT_EQ(out[5], 1);
  EXPECT_EQ(out[6], -1);  // ALOOPER_POLL_WAKE
  EXPECT_EQ(out[7], -1);  // a bad fd
  // A non-callback fd on a looper prepared without ALLOW_NON_CALLBACKS.
  std::thread([&] { rc = Fn<int (*)(int)>("strict_looper")(a[0]); }).join();
  EXPECT_EQ(rc, -1);
  // A wake from another thread ends a poll without timeout.
  std::thread t([&] {
    void* looper = nullptr;
    auto this_looper = Fn<void* (*)()>("this_looper");
    auto poll = Fn<int (*)()>("poll_forever");
    Fn<int (*)(int)>("strict_looper")(a[0]);
    looper = this_looper();
    std::thread waker([&] {
      auto wake = reinterpret_cast<void (*)(void*)>(VirtualLibandroid().Lookup("ALooper_wake"));
      wake(looper);
    });
    rc = poll();
    waker.join();
  });
  t.join();
  EXPECT_EQ(rc, -1);
  for (int fd : {a[0], a[1], b[0], b[1]}) close(fd);
}

class AssetTest : public LibandroidTest {
 protected:
  struct Read {
    int n;
    std::string data;
    long fd_start, fd_length;
  };
  Read ReadAsset(void* jmgr, const char* name) {
    char buf[256] = {};
    long start = -2, length = -2;
    int n = Fn<int (*)(JNIEnv*, void*, const char*, char*, int, long*, long*)>("read_asset")(
        jni::Env(), jmgr, name, buf, sizeof(buf), &start, &length);
    return Read{n, std::string(buf, n > 0 ? n : 0), start, length};
  }
  std::string List(void* jmgr, const char* dir) {
    char buf[512] = {};
    Fn<int (*)(JNIEnv*, void*, const char*, char*)>("list_assets")(jni::Env(), jmgr, dir, buf);
    return buf;
  }
};

TEST_F(AssetTest, ApkAssetsStoredAndDeflated) {
  auto cache = TempDir::Create("bridge-asset-cache");
  ASSERT_TRUE(cache.ok());
  setenv("VMI_BRIDGE_APK_CACHE", cache->path().c_str(), 1);
  const std::string apk = objs_.dir() + "/app.apk";
  const std::string text = "hello from a stored asset";
  const std::string deflated(200, 'z');
  testing::WriteZip(apk, {{"assets/hello.txt", text, true},
                          {"assets/dir/b.bin", "bb", true},
                          {"assets/dir/a.bin", "a", true},
                          {"assets/dir/sub/c.bin", "c", true},
                          {"lib/x86_64/libx.so", "not an asset", true},
                          {"assets/big.txt", deflated, false}});
  void* mgr = bridge_asset_manager_open(apk.c_str());
  ASSERT_NE(mgr, nullptr) << bridge_dlerror();
  void* jmgr = bridge_jni_asset_manager(mgr);

  Read r = ReadAsset(jmgr, "hello.txt");
  ASSERT_EQ(r.n, static_cast<int>(text.size()));
  EXPECT_EQ(r.data, text);
  // A stored asset is given as the APK's own fd, at its offset in the zip.
  EXPECT_GT(r.fd_start, 0);
  EXPECT_EQ(r.fd_start % 4096, 0);
  EXPECT_EQ(r.fd_length, static_cast<long>(text.size()));
  r = ReadAsset(jmgr, "big.txt");
  ASSERT_EQ(r.n, 200);
  EXPECT_EQ(r.data, deflated);
  EXPECT_EQ(r.fd_start, -1);  // compressed: no fd, as on Android
  EXPECT_EQ(ReadAsset(jmgr, "missing.txt").n, -1);
  EXPECT_EQ(ReadAsset(jmgr, "../lib/x86_64/libx.so").n, -1);
  EXPECT_EQ(ReadAsset(jmgr, "dir").n, -1);
  EXPECT_EQ(List(jmgr, ""), "big.txt,hello.txt");
  EXPECT_EQ(List(jmgr, "dir"), "a.bin,b.bin");
  EXPECT_EQ(List(jmgr, "dir/"), "a.bin,b.bin");
  EXPECT_EQ(List(jmgr, "nowhere"), "");
  // A null or foreign object is not an asset manager.
  EXPECT_EQ(ReadAsset(nullptr, "hello.txt").n, -100);
  EXPECT_EQ(ReadAsset(jni::NewBitmap(1, 1, 1), "hello.txt").n, -100);
  bridge_asset_manager_close(mgr);

  // A broken archive is a clear error, nothing opened.
  std::ofstream(objs_.dir() + "/broken.apk") << "PK\x03\x04 not really a zip";
  EXPECT_EQ(bridge_asset_manager_open((objs_.dir() + "/broken.apk").c_str()), nullptr);
  EXPECT_NE(std::string(bridge_dlerror()).find("broken.apk"), std::string::npos);
  unsetenv("VMI_BRIDGE_APK_CACHE");
}

TEST_F(AssetTest, DirectoryAssetsAndConfiguration) {
  const std::string root = objs_.dir() + "/assets";
  ASSERT_EQ(mkdir(root.c_str(), 0755), 0);
  ASSERT_EQ(mkdir((root + "/shaders").c_str(), 0755), 0);
  std::ofstream(root + "/shaders/main.vert") << "void main() {}";
  std::ofstream(root + "/empty");
  void* mgr = bridge_asset_manager_open(root.c_str());
  ASSERT_NE(mgr, nullptr) << bridge_dlerror();
  void* jmgr = bridge_jni_asset_manager(mgr);
  Read r = ReadAsset(jmgr, "shaders/main.vert");
  EXPECT_EQ(r.data, "void main() {}");
  EXPECT_EQ(r.fd_start, 0);
  EXPECT_EQ(ReadAsset(jmgr, "empty").n, 0);
  EXPECT_EQ(List(jmgr, ""), "empty");
  EXPECT_EQ(List(jmgr, "shaders"), "main.vert");

  PropertyStore::Instance().Set("ro.sf.lcd_density", "480");
  PropertyStore::Instance().Set("ro.product.locale", "fr-CA");
  PropertyStore::Instance().Set("vmi.display.width", "1920");
  PropertyStore::Instance().Set("vmi.display.height", "1080");
  int out[6] = {};
  char locale[5] = {};
  ASSERT_EQ(
      Fn<int (*)(JNIEnv*, void*, int*, char*)>("configuration")(jni::Env(), jmgr, out, locale), 0);
  EXPECT_EQ(out[0], 480);
  EXPECT_EQ(out[1], 30);   // the default SDK level
  EXPECT_EQ(out[2], 2);    // ACONFIGURATION_ORIENTATION_LAND
  EXPECT_EQ(out[3], 640);  // 1920 px at 480 dpi
  EXPECT_STREQ(locale, "frCA");
  EXPECT_EQ(out[4], 0);
  EXPECT_EQ(out[5], 0x100);  // ACONFIGURATION_DENSITY
  for (const char* p :
       {"ro.sf.lcd_density", "ro.product.locale", "vmi.display.width", "vmi.display.height"}) {
    PropertyStore::Instance().Set(p, "");
  }
  bridge_asset_manager_close(mgr);
}

TEST_F(LibandroidTest, NativeWindowFramesReachTheSharedSurface) {
  void* window = bridge_native_window_create(16, 8);
  ASSERT_NE(window, nullptr) << bridge_dlerror();
  auto* w = static_cast<android::NativeWindow*>(window);
  int out[10] = {};
  ASSERT_EQ(Fn<int (*)(JNIEnv*, void*, int*)>("draw")(jni::Env(), bridge_jni_surface(window), out),
            0);
  EXPECT_EQ(out[0], 16);
  EXPECT_EQ(out[1], 8);
  EXPECT_EQ(out[2], 1);        // WINDOW_FORMAT_RGBA_8888
  EXPECT_EQ(out[3], 16);       // stride in pixels
  EXPECT_EQ(out[4], -ENOSYS);  // locked twice
  EXPECT_EQ(out[5], -ENOSYS);  // posted unlocked
  ASSERT_EQ(w->frames_posted(), 1u);
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 16; ++x) {
      const uint8_t* p = w->pixels() + (y * 16 + x) * 4;
      ASSERT_EQ(p[0], x * 10) << x << "," << y;
      ASSERT_EQ(p[1], y * 20);
      ASSERT_EQ(p[2], 77);
      ASSERT_EQ(p[3], 200);
    }
  }
  ASSERT_EQ(
      Fn<int (*)(JNIEnv*, void*, int*)>("draw565")(jni::Env(), bridge_jni_surface(window), out), 0);
  EXPECT_EQ(out[6], -EINVAL);
  EXPECT_EQ(out[7], -EINVAL);
  EXPECT_EQ(out[8], -ENOTSUP);
  EXPECT_EQ(out[9], 4 * 100 + 2 * 10 + 4);
  EXPECT_EQ(w->frames_posted(), 2u);
  uint64_t count = 0;
  ASSERT_EQ(read(bridge_native_window_frame_fd(window), &count, sizeof(count)), 8);
  EXPECT_EQ(count, 2u);

  // Read the surface the way another process would: map its memfd.
  const int fd = bridge_native_window_surface_fd(window);
  const size_t size = android::kSurfaceHeader + 16 * 8 * 4;
  void* m = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  ASSERT_NE(m, MAP_FAILED);
  const auto* s = static_cast<const uint8_t*>(m);
  uint32_t header[6];
  memcpy(header, s, sizeof(header));
  EXPECT_EQ(header[0], android::kSurfaceMagic);
  EXPECT_EQ(header[1], 1u);
  EXPECT_EQ(header[2], 16u);
  EXPECT_EQ(header[3], 8u);
  EXPECT_EQ(header[4], 64u);
  EXPECT_EQ(header[5], 1u);
  uint64_t frames;
  memcpy(&frames, s + 24, 8);
  EXPECT_EQ(frames, 2u);
  // Frame 2 (4x2 RGB_565, left half red, right half blue) scaled to 16x8.
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 16; ++x) {
      const uint8_t* p = s + android::kSurfaceHeader + (y * 16 + x) * 4;
      const bool red = x < 8;
      ASSERT_EQ(p[0], red ? 255 : 0) << x << "," << y;
      ASSERT_EQ(p[1], 0);
      ASSERT_EQ(p[2], red ? 0 : 255);
      ASSERT_EQ(p[3], 255);
    }
  }
  munmap(m, size);
  bridge_native_window_release(window);
}

TEST_F(LibandroidTest, SharedMemoryAndSensors) {
  int out[6] = {};
  const int fd = Fn<int (*)(int*)>("shared_memory")(out);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(out[0], 8192);
  EXPECT_EQ(out[1], 0);
  EXPECT_EQ(out[2], -EINVAL);
  // Read-only now: a writable shared mapping is refused, a read-only one works.
  EXPECT_EQ(mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), MAP_FAILED);
  void* ro = mmap(nullptr, 8192, PROT_READ, MAP_SHARED, fd, 0);
  EXPECT_NE(ro, MAP_FAILED);
  if (ro != MAP_FAILED) munmap(ro, 8192);
  close(fd);

  int rc = -1;
  std::thread([&] { rc = Fn<int (*)(int*)>("sensors")(out); }).join();
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(out[0], 0);        // no sensors on the host
  EXPECT_EQ(out[1], 1);        // an empty, terminated list
  EXPECT_EQ(out[2], 0);        // no default accelerometer
  EXPECT_EQ(out[3], -EINVAL);  // enabling a null sensor
  EXPECT_EQ(out[4], 0);        // nothing to read
  EXPECT_EQ(out[5], 0);
}

TEST_F(LibandroidTest, UnprovidedFunctionsFailTheLoadByName) {
  auto lib = objs_.Build("libchoreo.so",
                         "void* AChoreographer_getInstance(void);\nvoid* f(void) { return "
                         "AChoreographer_getInstance(); }",
                         {"-Wl,--no-as-needed"}, {"libandroid.so"});
  ASSERT_TRUE(lib.ok());
  auto so = Linker::Instance().Open(*lib);
  ASSERT_FALSE(so.ok());
  EXPECT_NE(so.error().ToString().find("AChoreographer_getInstance"), std::string::npos);
  // libnativewindow.so has the window functions but not libandroid's.
  EXPECT_NE(VirtualLibnativewindow().Lookup("ANativeWindow_lock"), 0u);
  EXPECT_EQ(VirtualLibnativewindow().Lookup("ANativeWindow_fromSurface"), 0u);
  EXPECT_EQ(VirtualLibnativewindow().Lookup("ANativeWindow_lock"),
            VirtualLibandroid().Lookup("ANativeWindow_lock"));
}

}  // namespace
}  // namespace vmi::bridge
