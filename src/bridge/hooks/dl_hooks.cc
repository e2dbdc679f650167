// libdl hooks: bionic code's dlopen/dlsym/dlclose/dlerror/dladdr and
// dl_iterate_phdr go to the bridge Linker. dlopen(NULL) is the global handle,
// dlopen("libc.so") a virtual library; RTLD_DEFAULT (0) and RTLD_NEXT (-1)
// have bionic's LP64 values, which are glibc's too. dl_iterate_phdr reports
// the bridged objects first and then glibc's, so the unwinder inside
// libc++_shared.so finds the .eh_frame_hdr of bridged code (C++ exceptions).
// dladdr answers for bridged addresses and defers to glibc for others.
#include <dlfcn.h>
#include <link.h>

#include "bridge/dl_error.h"
#include "bridge/hooks/hooks.h"
#include "bridge/linker.h"

namespace vmi::bridge::hooks {
namespace {

void* Dlopen(const char* name, int flags) {
  Linker& l = Linker::Instance();
  if (name == nullptr) return l.GlobalHandle();
  LoadOptions options;
  options.nodelete = (flags & 0x01000) != 0;  // bionic RTLD_NODELETE
  auto r = l.Open(name, options);
  if (!r.ok()) {
    SetDlError(r.error().ToString());
    return nullptr;
  }
  return *r;
}

void* AndroidDlopenExt(const char* name, int flags, const void*) { return Dlopen(name, flags); }

void* DlsymImpl(void* handle, const char* symbol, uintptr_t caller) {
  Linker& l = Linker::Instance();
  uintptr_t addr = 0;
  if (handle == RTLD_DEFAULT) {
    addr = l.Symbol(l.GlobalHandle(), symbol);
  } else if (handle == RTLD_NEXT) {
    addr = l.SymbolNext(caller, symbol);
  } else if (!l.IsHandle(handle)) {
    SetDlError("dlsym: invalid handle");
    return nullptr;
  } else {
    addr = l.Symbol(static_cast<SharedObject*>(handle), symbol);
  }
  if (addr == 0) {
    SetDlError(std::string("undefined symbol: ") + symbol);
    return nullptr;
  }
  return reinterpret_cast<void*>(addr);
}

__attribute__((noinline)) void* Dlsym(void* handle, const char* symbol) {
  return DlsymImpl(handle, symbol, reinterpret_cast<uintptr_t>(__builtin_return_address(0)));
}

__attribute__((noinline)) void* Dlvsym(void* handle, const char* symbol, const char*) {
  return DlsymImpl(handle, symbol, reinterpret_cast<uintptr_t>(__builtin_return_address(0)));
}

int Dlclose(void* handle) {
  auto r = Linker::Instance().Close(static_cast<SharedObject*>(handle));
  if (!r.ok()) {
    SetDlError(r.error().ToString());
    return -1;
  }
  return 0;
}

char* Dlerror() { return const_cast<char*>(TakeDlError()); }

int Dladdr(const void* addr, Dl_info* info) {
  if (Linker::Instance().Describe(reinterpret_cast<uintptr_t>(addr), info)) return 1;
  return dladdr(addr, info);
}

int DlIteratePhdr(int (*cb)(struct dl_phdr_info*, size_t, void*), void* data) {
  int r = Linker::Instance().IteratePhdr(cb, data);
  if (r != 0) return r;
  return dl_iterate_phdr(cb, data);
}

void GetLibraryPath(char* buf, size_t size) {
  std::string p = Linker::Instance().SearchPath();
  if (size == 0) return;
  size_t n = std::min(p.size(), size - 1);
  p.copy(buf, n);
  buf[n] = 0;
}

void UpdateLibraryPath(const char* path) { Linker::Instance().SetSearchPath(path != nullptr ? path : ""); }

const HookEntry kHooks[] = {
    VMI_HOOK("dlopen", Dlopen),
    VMI_HOOK("android_dlopen_ext", AndroidDlopenExt),
    VMI_HOOK("dlsym", Dlsym),
    VMI_HOOK("dlvsym", Dlvsym),
    VMI_HOOK("dlclose", Dlclose),
    VMI_HOOK("dlerror", Dlerror),
    VMI_HOOK("dladdr", Dladdr),
    VMI_HOOK("dl_iterate_phdr", DlIteratePhdr),
    VMI_HOOK("android_get_LD_LIBRARY_PATH", GetLibraryPath),
    VMI_HOOK("android_update_LD_LIBRARY_PATH", UpdateLibraryPath),
};

}  // namespace

void AddDlHooks(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }

}  // namespace vmi::bridge::hooks
