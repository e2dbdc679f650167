// bionic's libstdc++.so: the C++ ABI core NDK code links when it uses no STL
// (operator new/delete, std::nothrow, __cxa_guard_*, __cxa_pure_virtual).
// The guards and __cxa_pure_virtual follow the Itanium C++ ABI in both worlds
// and resolve straight to the host's libstdc++. operator new is hooked:
// bionic's never throws (it aborts with a message when malloc fails), and a
// host std::bad_alloc unwinding through bionic frames would not be caught.
#include <cstdio>
#include <cstdlib>
#include <new>

#include "base/log.h"
#include "bridge/hooks/hooks.h"

namespace vmi::bridge::hooks {
namespace {

void* New(size_t n) {
  void* p = malloc(n == 0 ? 1 : n);
  if (p == nullptr) {
    VMI_ILOG(ERROR, "bridge") << "new failed to allocate " << n << " bytes";
    abort();
  }
  return p;
}
void* NewNothrow(size_t n, const std::nothrow_t&) { return malloc(n == 0 ? 1 : n); }
void Delete(void* p) { free(p); }
void DeleteNothrow(void* p, const std::nothrow_t&) { free(p); }

const HookEntry kHooks[] = {
    VMI_HOOK("_Znwm", New),
    VMI_HOOK("_Znam", New),
    VMI_HOOK("_ZnwmRKSt9nothrow_t", NewNothrow),
    VMI_HOOK("_ZnamRKSt9nothrow_t", NewNothrow),
    VMI_HOOK("_ZdlPv", Delete),
    VMI_HOOK("_ZdaPv", Delete),
    VMI_HOOK("_ZdlPvRKSt9nothrow_t", DeleteNothrow),
    VMI_HOOK("_ZdaPvRKSt9nothrow_t", DeleteNothrow),
};

}  // namespace

void RegisterLibstdcxx(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }

}  // namespace vmi::bridge::hooks
