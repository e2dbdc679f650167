// libandroid.so: ALooper (android/looper.h), AAssetManager over an APK or a
// directory (android/asset_manager.h), AConfiguration
// (configuration_hooks.cc), ANativeWindow (native_window_hooks.cc),
// ATrace as no-ops, ASharedMemory on memfd, and ASensorManager with the
// sensors the host has: none, so sensor lists are empty and enabling a
// sensor fails as Android fails for a null sensor (-EINVAL).
//
// Not provided (a library importing them fails to load, naming them):
// ANativeActivity/AInputQueue/AInputEvent, AChoreographer, AStorageManager,
// AThermal, APerformanceHint, AFont, ASurfaceControl.
#include <fcntl.h>
#include <jni.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "bridge/android/asset_manager.h"
#include "bridge/android/looper.h"
#include "bridge/hooks/hooks.h"
#include "bridge/jni/jni_env.h"

namespace vmi::bridge::hooks {
namespace {

using android::Asset;
using android::AssetDir;
using android::AssetManager;
using android::Looper;

// --- ALooper -----------------------------------------------------------------

Looper* LooperForThread() { return Looper::ForThread(); }
Looper* LooperPrepare(int opts) { return Looper::Prepare(opts); }
void LooperAcquire(Looper* l) {
  if (l != nullptr) l->Acquire();
}
void LooperRelease(Looper* l) {
  if (l != nullptr) l->Release();
}
// pollOnce/pollAll act on the calling thread's looper, as Android's do.
int LooperPollOnce(int timeout, int* fd, int* events, void** data) {
  Looper* l = Looper::ForThread();
  return l != nullptr ? l->PollOnce(timeout, fd, events, data) : android::kPollError;
}
int LooperPollAll(int timeout, int* fd, int* events, void** data) {
  Looper* l = Looper::ForThread();
  return l != nullptr ? l->PollAll(timeout, fd, events, data) : android::kPollError;
}
void LooperWake(Looper* l) {
  if (l != nullptr) l->Wake();
}
int LooperAddFd(Looper* l, int fd, int ident, int events, android::LooperCallback cb, void* data) {
  return l != nullptr ? l->AddFd(fd, ident, events, cb, data) : -1;
}
int LooperRemoveFd(Looper* l, int fd) { return l != nullptr ? l->RemoveFd(fd) : -1; }

// --- AAssetManager -----------------------------------------------------------

AssetManager* AssetManagerFromJava(JNIEnv*, jobject obj) {
  return static_cast<AssetManager*>(jni::PeerOf(obj, "android/content/res/AssetManager"));
}
Asset* AssetOpen(AssetManager* m, const char* name, int) {
  return m != nullptr && name != nullptr ? m->OpenAsset(name).release() : nullptr;
}
AssetDir* AssetOpenDir(AssetManager* m, const char* dir) {
  return m != nullptr && dir != nullptr ? m->OpenDir(dir).release() : nullptr;
}
const char* AssetDirNext(AssetDir* d) { return d != nullptr ? d->Next() : nullptr; }
void AssetDirRewind(AssetDir* d) {
  if (d != nullptr) d->Rewind();
}
void AssetDirClose(AssetDir* d) { delete d; }
int AssetRead(Asset* a, void* buf, size_t count) {
  if (a == nullptr || (buf == nullptr && count != 0)) return -1;
  return a->Read(buf, count);
}
off_t AssetSeek(Asset* a, off_t offset, int whence) {
  return a != nullptr ? a->Seek(offset, whence) : -1;
}
off64_t AssetSeek64(Asset* a, off64_t offset, int whence) {
  return a != nullptr ? a->Seek(offset, whence) : -1;
}
void AssetClose(Asset* a) { delete a; }
const void* AssetGetBuffer(Asset* a) { return a != nullptr ? a->Buffer() : nullptr; }
off_t AssetLength(Asset* a) { return a != nullptr ? a->Length() : -1; }
off64_t AssetLength64(Asset* a) { return a != nullptr ? a->Length() : -1; }
off_t AssetRemaining(Asset* a) { return a != nullptr ? a->Remaining() : -1; }
off64_t AssetRemaining64(Asset* a) { return a != nullptr ? a->Remaining() : -1; }
int AssetOpenFd(Asset* a, off_t* start, off_t* length) {
  return a != nullptr ? a->OpenFileDescriptor(start, length) : -1;
}
int AssetOpenFd64(Asset* a, off64_t* start, off64_t* length) {
  return a != nullptr ? a->OpenFileDescriptor(start, length) : -1;
}
int AssetIsAllocated(Asset* a) { return a != nullptr && a->IsAllocated() ? 1 : 0; }

// --- ATrace: no tracer is attached, so tracing is never enabled. --------------

void TraceBegin(const char*) {}
void TraceEnd() {}
bool TraceIsEnabled() { return false; }
void TraceAsync(const char*, int32_t) {}
void TraceCounter(const char*, int64_t) {}

// --- ASharedMemory: ashmem's contract on a sealable memfd. -------------------

int SharedMemoryCreate(const char* name, size_t size) {
  if (size == 0) return -EINVAL;
  const int fd = memfd_create(name != nullptr && *name != '\0' ? name : "ashmem",
                              MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return -errno;
  if (ftruncate(fd, static_cast<off_t>(size)) != 0) {
    const int err = errno;
    close(fd);
    return -err;
  }
  return fd;
}
size_t SharedMemoryGetSize(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 ? static_cast<size_t>(st.st_size) : 0;
}
// Protections can only be taken away, as with ashmem: dropping PROT_WRITE
// seals the region against future writable mappings and writes.
int SharedMemorySetProt(int fd, int prot) {
  if ((prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) != 0) return -EINVAL;
  const int seals = fcntl(fd, F_GET_SEALS);
  if (seals < 0) return -errno;
  if (prot & PROT_WRITE) return (seals & F_SEAL_FUTURE_WRITE) ? -EINVAL : 0;
  if (!(seals & F_SEAL_FUTURE_WRITE) && fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) != 0)
    return -errno;
  return 0;
}

// --- ASensorManager: no sensors. ---------------------------------------------

struct SensorManager {};
struct SensorEventQueue {
  UniqueFd fd;  // never readable: no sensor writes events
  Looper* looper;
};
SensorManager g_sensor_manager;
const void* const kNoSensors[1] = {nullptr};

SensorManager* SensorManagerInstance() { return &g_sensor_manager; }
SensorManager* SensorManagerForPackage(const char*) { return &g_sensor_manager; }
int SensorList(SensorManager* m, const void* const** list) {
  if (m == nullptr || list == nullptr) return -EINVAL;
  *list = kNoSensors;
  return 0;
}
const void* DefaultSensor(SensorManager*, int) { return nullptr; }
const void* DefaultSensorEx(SensorManager*, int, bool) { return nullptr; }
SensorEventQueue* CreateEventQueue(SensorManager* m, Looper* looper, int ident,
                                   android::LooperCallback cb, void* data) {
  if (m == nullptr) return nullptr;
  auto* q = new SensorEventQueue{UniqueFd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)), looper};
  if (!q->fd || (looper != nullptr &&
                 looper->AddFd(q->fd.get(), ident, android::kEventInput, cb, data) != 1)) {
    delete q;
    return nullptr;
  }
  if (looper != nullptr) looper->Acquire();
  return q;
}
int DestroyEventQueue(SensorManager*, SensorEventQueue* q) {
  if (q == nullptr) return -EINVAL;
  if (q->looper != nullptr) {
    q->looper->RemoveFd(q->fd.get());
    q->looper->Release();
  }
  delete q;
  return 0;
}
int QueueNoSensor() { return -EINVAL; }
int QueueHasEvents(SensorEventQueue* q) { return q != nullptr ? 0 : -EINVAL; }
// Like Android's non-blocking event tube with nothing in it: 0 events.
ssize_t QueueGetEvents(SensorEventQueue* q, void*, size_t) { return q != nullptr ? 0 : -EINVAL; }
// ASensor_* accessors: there is no ASensor object to ask.
const char* SensorNoString(const void*) { return nullptr; }
int SensorNoInt(const void*) { return 0; }
float SensorNoFloat(const void*) { return 0.0f; }

const HookEntry kHooks[] = {
    VMI_HOOK("ALooper_forThread", LooperForThread),
    VMI_HOOK("ALooper_prepare", LooperPrepare),
    VMI_HOOK("ALooper_acquire", LooperAcquire),
    VMI_HOOK("ALooper_release", LooperRelease),
    VMI_HOOK("ALooper_pollOnce", LooperPollOnce),
    VMI_HOOK("ALooper_pollAll", LooperPollAll),
    VMI_HOOK("ALooper_wake", LooperWake),
    VMI_HOOK("ALooper_addFd", LooperAddFd),
    VMI_HOOK("ALooper_removeFd", LooperRemoveFd),
    VMI_HOOK("AAssetManager_fromJava", AssetManagerFromJava),
    VMI_HOOK("AAssetManager_open", AssetOpen),
    VMI_HOOK("AAssetManager_openDir", AssetOpenDir),
    VMI_HOOK("AAssetDir_getNextFileName", AssetDirNext),
    VMI_HOOK("AAssetDir_rewind", AssetDirRewind),
    VMI_HOOK("AAssetDir_close", AssetDirClose),
    VMI_HOOK("AAsset_read", AssetRead),
    VMI_HOOK("AAsset_seek", AssetSeek),
    VMI_HOOK("AAsset_seek64", AssetSeek64),
    VMI_HOOK("AAsset_close", AssetClose),
    VMI_HOOK("AAsset_getBuffer", AssetGetBuffer),
    VMI_HOOK("AAsset_getLength", AssetLength),
    VMI_HOOK("AAsset_getLength64", AssetLength64),
    VMI_HOOK("AAsset_getRemainingLength", AssetRemaining),
    VMI_HOOK("AAsset_getRemainingLength64", AssetRemaining64),
    VMI_HOOK("AAsset_openFileDescriptor", AssetOpenFd),
    VMI_HOOK("AAsset_openFileDescriptor64", AssetOpenFd64),
    VMI_HOOK("AAsset_isAllocated", AssetIsAllocated),
    VMI_HOOK("ATrace_beginSection", TraceBegin),
    VMI_HOOK("ATrace_endSection", TraceEnd),
    VMI_HOOK("ATrace_isEnabled", TraceIsEnabled),
    VMI_HOOK("ATrace_beginAsyncSection", TraceAsync),
    VMI_HOOK("ATrace_endAsyncSection", TraceAsync),
    VMI_HOOK("ATrace_setCounter", TraceCounter),
    VMI_HOOK("ASharedMemory_create", SharedMemoryCreate),
    VMI_HOOK("ASharedMemory_getSize", SharedMemoryGetSize),
    VMI_HOOK("ASharedMemory_setProt", SharedMemorySetProt),
    VMI_HOOK("ASensorManager_getInstance", SensorManagerInstance),
    VMI_HOOK("ASensorManager_getInstanceForPackage", SensorManagerForPackage),
    VMI_HOOK("ASensorManager_getSensorList", SensorList),
    VMI_HOOK("ASensorManager_getDefaultSensor", DefaultSensor),
    VMI_HOOK("ASensorManager_getDefaultSensorEx", DefaultSensorEx),
    VMI_HOOK("ASensorManager_createEventQueue", CreateEventQueue),
    VMI_HOOK("ASensorManager_destroyEventQueue", DestroyEventQueue),
    VMI_HOOK("ASensorEventQueue_enableSensor", QueueNoSensor),
    VMI_HOOK("ASensorEventQueue_disableSensor", QueueNoSensor),
    VMI_HOOK("ASensorEventQueue_setEventRate", QueueNoSensor),
    VMI_HOOK("ASensorEventQueue_registerSensor", QueueNoSensor),
    VMI_HOOK("ASensorEventQueue_hasEvents", QueueHasEvents),
    VMI_HOOK("ASensorEventQueue_getEvents", QueueGetEvents),
    VMI_HOOK("ASensor_getName", SensorNoString),
    VMI_HOOK("ASensor_getVendor", SensorNoString),
    VMI_HOOK("ASensor_getStringType", SensorNoString),
    VMI_HOOK("ASensor_getType", SensorNoInt),
    VMI_HOOK("ASensor_getMinDelay", SensorNoInt),
    VMI_HOOK("ASensor_getFifoMaxEventCount", SensorNoInt),
    VMI_HOOK("ASensor_getFifoReservedEventCount", SensorNoInt),
    VMI_HOOK("ASensor_getReportingMode", SensorNoInt),
    VMI_HOOK("ASensor_isWakeUpSensor", SensorNoInt),
    VMI_HOOK("ASensor_getHandle", SensorNoInt),
    VMI_HOOK("ASensor_getResolution", SensorNoFloat),
};

}  // namespace

void RegisterLibandroid(VirtualLibrary& lib) {
  lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0]));
  AddConfigurationHooks(lib);
  AddNativeWindowHooks(lib, /*with_surface=*/true);
}

void RegisterLibnativewindow(VirtualLibrary& lib) {
  AddNativeWindowHooks(lib, /*with_surface=*/false);
}

}  // namespace vmi::bridge::hooks
