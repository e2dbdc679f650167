// Condition variables and semaphores of bionic code on arm64. Bionic declares
// pthread_cond_t as int32_t[12] and sem_t as {unsigned count; int[3]}, both
// only 4-byte aligned, while glibc's aarch64 implementations do 64-bit atomic
// operations on them (the condvar's wait sequence, the semaphore's data
// word), which need 8-byte alignment: on a 4-byte aligned object they fault
// with SIGBUS (BUS_ADRALN; seen with the Dart VM's monitors). An object at
// an 8-byte aligned address is glibc's object in place (the sizes fit:
// glibc's condvar is 48 bytes, its semaphore uses the first 16); one at
// another address gets a glibc object aside, made on first use (bionic's
// static initialisers are all zeros, as glibc's are) and freed by
// *_destroy. The table of those has its own lock.
// On x86_64 unaligned atomics work and every call passes straight through.
#include <pthread.h>
#include <semaphore.h>

#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "bridge/hooks/hooks.h"

namespace vmi::bridge::hooks {

#if defined(__aarch64__)
namespace {

template <typename T>
class Shadows {
 public:
  // The glibc object standing for the bionic one at `b`; nullptr only when
  // `create` is false and there is none.
  T* Get(void* b, bool create = true) {
    if (reinterpret_cast<uintptr_t>(b) % alignof(T) == 0) return static_cast<T*>(b);
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(b);
    if (it != map_.end()) return it->second;
    if (!create) return nullptr;
    T* t = new T{};  // zeros: the static initialiser of both libcs
    map_.emplace(b, t);
    return t;
  }
  // Removes and returns the object aside for `b` (nullptr if in place).
  T* Take(void* b) {
    if (reinterpret_cast<uintptr_t>(b) % alignof(T) == 0) return static_cast<T*>(b);
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(b);
    if (it == map_.end()) return nullptr;
    T* t = it->second;
    map_.erase(it);
    return t;
  }

 private:
  std::mutex mu_;
  std::unordered_map<void*, T*> map_;
};

Shadows<pthread_cond_t>& Conds() {
  static auto* s = new Shadows<pthread_cond_t>;  // never destroyed: used at exit
  return *s;
}
Shadows<sem_t>& Sems() {
  static auto* s = new Shadows<sem_t>;
  return *s;
}

int CondInit(void* c, const pthread_condattr_t* a) { return pthread_cond_init(Conds().Get(c), a); }
int CondDestroy(void* c) {
  pthread_cond_t* g = Conds().Take(c);
  if (g == nullptr) return 0;  // never used: nothing to destroy
  const int r = pthread_cond_destroy(g);
  if (g != c) delete g;
  return r;
}
int CondSignal(void* c) { return pthread_cond_signal(Conds().Get(c)); }
int CondBroadcast(void* c) { return pthread_cond_broadcast(Conds().Get(c)); }
int CondWait(void* c, pthread_mutex_t* m) { return pthread_cond_wait(Conds().Get(c), m); }
int CondTimedwait(void* c, pthread_mutex_t* m, const struct timespec* ts) {
  return pthread_cond_timedwait(Conds().Get(c), m, ts);
}
int CondClockwait(void* c, pthread_mutex_t* m, clockid_t clock, const struct timespec* ts) {
  return pthread_cond_clockwait(Conds().Get(c), m, clock, ts);
}

int SemInit(void* s, int pshared, unsigned value) { return sem_init(Sems().Get(s), pshared, value); }
int SemDestroy(void* s) {
  sem_t* g = Sems().Take(s);
  if (g == nullptr) return 0;
  const int r = sem_destroy(g);
  if (g != s) delete g;
  return r;
}
int SemWait(void* s) { return sem_wait(Sems().Get(s)); }
int SemTrywait(void* s) { return sem_trywait(Sems().Get(s)); }
int SemTimedwait(void* s, const struct timespec* ts) { return sem_timedwait(Sems().Get(s), ts); }
int SemClockwait(void* s, clockid_t clock, const struct timespec* ts) { return sem_clockwait(Sems().Get(s), clock, ts); }
int SemPost(void* s) { return sem_post(Sems().Get(s)); }
int SemGetvalue(void* s, int* v) { return sem_getvalue(Sems().Get(s), v); }

const HookEntry kHooks[] = {
    VMI_HOOK("pthread_cond_init", CondInit),
    VMI_HOOK("pthread_cond_destroy", CondDestroy),
    VMI_HOOK("pthread_cond_signal", CondSignal),
    VMI_HOOK("pthread_cond_broadcast", CondBroadcast),
    VMI_HOOK("pthread_cond_wait", CondWait),
    VMI_HOOK("pthread_cond_timedwait", CondTimedwait),
    VMI_HOOK("pthread_cond_clockwait", CondClockwait),
    VMI_HOOK("sem_init", SemInit),
    VMI_HOOK("sem_destroy", SemDestroy),
    VMI_HOOK("sem_wait", SemWait),
    VMI_HOOK("sem_trywait", SemTrywait),
    VMI_HOOK("sem_timedwait", SemTimedwait),
    VMI_HOOK("sem_clockwait", SemClockwait),
    VMI_HOOK("sem_post", SemPost),
    VMI_HOOK("sem_getvalue", SemGetvalue),
};

}  // namespace

pthread_cond_t* GlibcCond(void* bionic) { return Conds().Get(bionic); }
sem_t* GlibcSem(void* bionic) { return Sems().Get(bionic); }
void AddSyncHooks(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }

#else

pthread_cond_t* GlibcCond(void* bionic) { return static_cast<pthread_cond_t*>(bionic); }
sem_t* GlibcSem(void* bionic) { return static_cast<sem_t*>(bionic); }
void AddSyncHooks(VirtualLibrary&) {}

#endif

}  // namespace vmi::bridge::hooks
