// arm64 only (on x86_64 every pthread type has the same size in bionic and
// glibc, and all of these pass straight through):
//  - pthread_create: threads started by bionic code get the bionic
//    stack-guard slot set (see bionic_tls.h) before their start routine runs.
//  - pthread_attr_t is 56 bytes in bionic but 64 in glibc (so glibc's
//    pthread_getattr_np overran JSC's stack frame into its canary): the bionic
//    attr holds a magic word and a pointer to a heap-allocated glibc attr.
//  - pthread_mutex_t is 40 bytes in bionic, 48 in glibc: pthread_mutex_init
//    initialises a full glibc mutex aside and copies the first 40 bytes (the
//    rest is only used by robust mutexes); the other mutex calls touch only
//    the first 24 bytes.
#include <pthread.h>

#include <cstring>
#include <new>

#include "bridge/bionic_tls.h"
#include "bridge/hooks/hooks.h"

namespace vmi::bridge::hooks {

#if defined(__aarch64__)
namespace {

struct Start {
  void* (*fn)(void*);
  void* arg;
};

void* Trampoline(void* p) {
  Start s = *static_cast<Start*>(p);
  delete static_cast<Start*>(p);
  (void)PrepareThreadForBionic();
  return s.fn(s.arg);
}

constexpr uint64_t kAttrMagic = 0x5642415454520001ull;  // "VBATTR"
struct BionicAttr {  // 56 bytes in bionic
  uint64_t magic;
  pthread_attr_t* glibc;
  char rest[40];
};
static_assert(sizeof(BionicAttr) == 56);

pthread_attr_t* Unwrap(void* b, bool create) {
  auto* a = static_cast<BionicAttr*>(b);
  if (a->magic == kAttrMagic) return a->glibc;
  if (!create) return nullptr;
  auto* g = new (std::nothrow) pthread_attr_t;
  if (g == nullptr || pthread_attr_init(g) != 0) {
    delete g;
    return nullptr;
  }
  a->magic = kAttrMagic;
  a->glibc = g;
  return g;
}

int AttrInit(void* b) {
  static_cast<BionicAttr*>(b)->magic = 0;
  return Unwrap(b, true) != nullptr ? 0 : ENOMEM;
}

int AttrDestroy(void* b) {
  pthread_attr_t* g = Unwrap(b, false);
  if (g == nullptr) return 0;
  pthread_attr_destroy(g);
  delete g;
  static_cast<BionicAttr*>(b)->magic = 0;
  return 0;
}

int GetattrNp(pthread_t t, void* b) {
  pthread_attr_t* g = Unwrap(b, true);
  if (g == nullptr) return ENOMEM;
  pthread_attr_destroy(g);
  return pthread_getattr_np(t, g);
}

int PthreadCreate(pthread_t* t, void* battr, void* (*fn)(void*), void* arg) {
  auto* s = new (std::nothrow) Start{fn, arg};
  if (s == nullptr) return EAGAIN;
  int r = pthread_create(t, battr != nullptr ? Unwrap(battr, true) : nullptr, Trampoline, s);
  if (r != 0) delete s;
  return r;
}

int MutexInit(void* m, const pthread_mutexattr_t* attr) {
  alignas(16) pthread_mutex_t full;
  int r = pthread_mutex_init(&full, attr);
  if (r == 0) memcpy(m, &full, 40);
  return r;
}

#define ATTR_FWD(name, ...) \
  int Attr_##name(void* b, __VA_ARGS__ v) { return pthread_attr_##name(Unwrap(b, true), v); }
ATTR_FWD(getstacksize, size_t*)
ATTR_FWD(setstacksize, size_t)
ATTR_FWD(getguardsize, size_t*)
ATTR_FWD(setguardsize, size_t)
ATTR_FWD(getdetachstate, int*)
ATTR_FWD(setdetachstate, int)
ATTR_FWD(getschedparam, struct sched_param*)
ATTR_FWD(setschedparam, const struct sched_param*)
ATTR_FWD(getschedpolicy, int*)
ATTR_FWD(setschedpolicy, int)
ATTR_FWD(getscope, int*)
ATTR_FWD(setscope, int)
ATTR_FWD(getinheritsched, int*)
ATTR_FWD(setinheritsched, int)
#undef ATTR_FWD
int AttrGetstack(void* b, void** addr, size_t* size) { return pthread_attr_getstack(Unwrap(b, true), addr, size); }
int AttrSetstack(void* b, void* addr, size_t size) { return pthread_attr_setstack(Unwrap(b, true), addr, size); }

const HookEntry kHooks[] = {
    VMI_HOOK("pthread_create", PthreadCreate),
    VMI_HOOK("pthread_attr_init", AttrInit),
    VMI_HOOK("pthread_attr_destroy", AttrDestroy),
    VMI_HOOK("pthread_getattr_np", GetattrNp),
    VMI_HOOK("pthread_attr_getstack", AttrGetstack),
    VMI_HOOK("pthread_attr_setstack", AttrSetstack),
    VMI_HOOK("pthread_attr_getstacksize", Attr_getstacksize),
    VMI_HOOK("pthread_attr_setstacksize", Attr_setstacksize),
    VMI_HOOK("pthread_attr_getguardsize", Attr_getguardsize),
    VMI_HOOK("pthread_attr_setguardsize", Attr_setguardsize),
    VMI_HOOK("pthread_attr_getdetachstate", Attr_getdetachstate),
    VMI_HOOK("pthread_attr_setdetachstate", Attr_setdetachstate),
    VMI_HOOK("pthread_attr_getschedparam", Attr_getschedparam),
    VMI_HOOK("pthread_attr_setschedparam", Attr_setschedparam),
    VMI_HOOK("pthread_attr_getschedpolicy", Attr_getschedpolicy),
    VMI_HOOK("pthread_attr_setschedpolicy", Attr_setschedpolicy),
    VMI_HOOK("pthread_attr_getscope", Attr_getscope),
    VMI_HOOK("pthread_attr_setscope", Attr_setscope),
    VMI_HOOK("pthread_attr_getinheritsched", Attr_getinheritsched),
    VMI_HOOK("pthread_attr_setinheritsched", Attr_setinheritsched),
    VMI_HOOK("pthread_mutex_init", MutexInit),
};

}  // namespace

void AddPthreadHooks(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }

#else

void AddPthreadHooks(VirtualLibrary&) {}

#endif

}  // namespace vmi::bridge::hooks
