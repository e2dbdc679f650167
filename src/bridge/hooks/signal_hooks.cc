// Signal hooks. bionic's LP64 sigset_t is one unsigned long (signals 1..64 as
// bits 0..63) and its struct sigaction is { int sa_flags; handler; sa_mask;
// sa_restorer }, while glibc's sigset_t is 128 bytes and its struct
// sigaction starts with the handler. Every function that takes either is
// wrapped and converts. (glibc 2.36's sigemptyset happens to touch only the
// first 8 bytes -- see the probe in hooks_layout_test.cc -- but glibc before
// 2.34 cleared all 128, and the kernel-facing calls read glibc's layout.) The signal numbers and SA_* flags are the kernel's
// in both. Thread-safety: as the glibc calls.
#include <signal.h>

#include <cerrno>
#include <cstring>

#include "bridge/hooks/bionic_abi.h"
#include "bridge/hooks/hooks.h"

namespace vmi::bridge::hooks {
namespace {

using BSet = bionic::sigset_t;

void ToGlibc(const BSet* in, sigset_t* out) {
  sigemptyset(out);
  for (int sig = 1; sig <= 64; ++sig) {
    if (*in & (1ul << (sig - 1))) sigaddset(out, sig);
  }
}

void ToBionic(const sigset_t* in, BSet* out) {
  BSet s = 0;
  for (int sig = 1; sig <= 64; ++sig) {
    if (sigismember(in, sig) == 1) s |= 1ul << (sig - 1);
  }
  *out = s;
}

int Sigemptyset(BSet* set) {
  if (set == nullptr) { errno = EINVAL; return -1; }
  *set = 0;
  return 0;
}
int Sigfillset(BSet* set) {
  if (set == nullptr) { errno = EINVAL; return -1; }
  *set = ~0ul;
  return 0;
}
bool BadSignal(int sig) { return sig < 1 || sig > 64; }
int Sigaddset(BSet* set, int sig) {
  if (set == nullptr || BadSignal(sig)) { errno = EINVAL; return -1; }
  *set |= 1ul << (sig - 1);
  return 0;
}
int Sigdelset(BSet* set, int sig) {
  if (set == nullptr || BadSignal(sig)) { errno = EINVAL; return -1; }
  *set &= ~(1ul << (sig - 1));
  return 0;
}
int Sigismember(const BSet* set, int sig) {
  if (set == nullptr || BadSignal(sig)) { errno = EINVAL; return -1; }
  return (*set >> (sig - 1)) & 1;
}

int Sigaction(int sig, const bionic::sigaction_t* act, bionic::sigaction_t* old) {
  struct sigaction gact, gold;
  if (act != nullptr) {
    memset(&gact, 0, sizeof(gact));
    gact.sa_flags = act->sa_flags & ~bionic::kSaRestorer;  // glibc installs its own restorer
    gact.sa_sigaction = reinterpret_cast<void (*)(int, siginfo_t*, void*)>(act->action);
    ToGlibc(&act->sa_mask, &gact.sa_mask);
  }
  int r = sigaction(sig, act != nullptr ? &gact : nullptr, old != nullptr ? &gold : nullptr);
  if (r == 0 && old != nullptr) {
    memset(old, 0, sizeof(*old));
    old->sa_flags = gold.sa_flags;
    old->action = reinterpret_cast<void (*)(int, void*, void*)>(gold.sa_sigaction);
    ToBionic(&gold.sa_mask, &old->sa_mask);
    old->sa_restorer = gold.sa_restorer;
  }
  return r;
}

int Sigprocmask(int how, const BSet* set, BSet* old) {
  sigset_t gs, go;
  if (set != nullptr) ToGlibc(set, &gs);
  int r = sigprocmask(how, set != nullptr ? &gs : nullptr, old != nullptr ? &go : nullptr);
  if (r == 0 && old != nullptr) ToBionic(&go, old);
  return r;
}

int PthreadSigmask(int how, const BSet* set, BSet* old) {
  sigset_t gs, go;
  if (set != nullptr) ToGlibc(set, &gs);
  int r = pthread_sigmask(how, set != nullptr ? &gs : nullptr, old != nullptr ? &go : nullptr);
  if (r == 0 && old != nullptr) ToBionic(&go, old);
  return r;
}

int Sigsuspend(const BSet* set) {
  sigset_t gs;
  ToGlibc(set, &gs);
  return sigsuspend(&gs);
}

int Sigpending(BSet* set) {
  sigset_t gs;
  int r = sigpending(&gs);
  if (r == 0) ToBionic(&gs, set);
  return r;
}

int Sigwait(const BSet* set, int* sig) {
  sigset_t gs;
  ToGlibc(set, &gs);
  return sigwait(&gs, sig);
}

int Sigwaitinfo(const BSet* set, siginfo_t* info) {
  sigset_t gs;
  ToGlibc(set, &gs);
  return sigwaitinfo(&gs, info);
}

int Sigtimedwait(const BSet* set, siginfo_t* info, const struct timespec* timeout) {
  sigset_t gs;
  ToGlibc(set, &gs);
  return sigtimedwait(&gs, info, timeout);
}

const HookEntry kHooks[] = {
    VMI_HOOK("sigemptyset", Sigemptyset),     VMI_HOOK("sigemptyset64", Sigemptyset),
    VMI_HOOK("sigfillset", Sigfillset),       VMI_HOOK("sigfillset64", Sigfillset),
    VMI_HOOK("sigaddset", Sigaddset),         VMI_HOOK("sigaddset64", Sigaddset),
    VMI_HOOK("sigdelset", Sigdelset),         VMI_HOOK("sigdelset64", Sigdelset),
    VMI_HOOK("sigismember", Sigismember),     VMI_HOOK("sigismember64", Sigismember),
    VMI_HOOK("sigaction", Sigaction),         VMI_HOOK("sigaction64", Sigaction),
    VMI_HOOK("sigprocmask", Sigprocmask),     VMI_HOOK("sigprocmask64", Sigprocmask),
    VMI_HOOK("pthread_sigmask", PthreadSigmask), VMI_HOOK("pthread_sigmask64", PthreadSigmask),
    VMI_HOOK("sigsuspend", Sigsuspend),       VMI_HOOK("sigsuspend64", Sigsuspend),
    VMI_HOOK("sigpending", Sigpending),       VMI_HOOK("sigpending64", Sigpending),
    VMI_HOOK("sigwait", Sigwait),             VMI_HOOK("sigwait64", Sigwait),
    VMI_HOOK("sigwaitinfo", Sigwaitinfo),     VMI_HOOK("sigwaitinfo64", Sigwaitinfo),
    VMI_HOOK("sigtimedwait", Sigtimedwait),   VMI_HOOK("sigtimedwait64", Sigtimedwait),
};

}  // namespace

void AddSignalHooks(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }

}  // namespace vmi::bridge::hooks
