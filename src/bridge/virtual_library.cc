#include "bridge/virtual_library.h"

#include <dlfcn.h>

#include "bridge/hooks/hooks.h"

namespace vmi::bridge {

VirtualLibrary::VirtualLibrary(std::string name, const std::vector<const char*>& glibc_sonames)
    : name_(std::move(name)) {
  for (const char* so : glibc_sonames) {
    // These are always loaded in a glibc process; RTLD_NOLOAD avoids a new reference.
    void* h = dlopen(so, RTLD_NOW | RTLD_NOLOAD);
    if (h == nullptr) h = dlopen(so, RTLD_NOW);
    if (h != nullptr) glibc_handles_.push_back(h);
  }
}

void VirtualLibrary::AddHooks(const HookEntry* entries, size_t count) {
  for (size_t i = 0; i < count; ++i) hooks_[entries[i].name] = entries[i].address;
}

void VirtualLibrary::AddStraight(const HookEntry* entries, size_t count) {
  for (size_t i = 0; i < count; ++i) straight_[entries[i].name] = entries[i].address;
}

uintptr_t VirtualLibrary::Lookup(const char* symbol) const {
  auto it = hooks_.find(symbol);
  if (it != hooks_.end()) return reinterpret_cast<uintptr_t>(it->second);
  auto st = straight_.find(symbol);
  if (st != straight_.end()) return reinterpret_cast<uintptr_t>(st->second);
  if (blocked_.count(symbol) != 0) return 0;
  std::lock_guard<std::mutex> lock(mu_);
  auto c = cache_.find(symbol);
  if (c != cache_.end()) return c->second;
  uintptr_t addr = 0;
  // A symbol another virtual library hooks must not pass through here to
  // glibc (dlsym on libm.so.6 would answer libc's sysconf before libc.so's
  // hook is consulted).
  if (HookedElsewhere(symbol)) {
    cache_.emplace(symbol, 0);
    return 0;
  }
  for (void* h : glibc_handles_) {
    addr = reinterpret_cast<uintptr_t>(dlsym(h, symbol));
    if (addr != 0) break;
  }
  cache_.emplace(symbol, addr);
  return addr;
}

bool VirtualLibrary::HookedElsewhere(const char* symbol) const {
  for (const VirtualLibrary* other : AllVirtualLibraries()) {
    if (other != this && other->IsHooked(symbol)) return true;
  }
  return false;
}

std::vector<std::string> VirtualLibrary::HookNames() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : hooks_) out.emplace_back(k);
  return out;
}

namespace {

// A virtual library with its hooks registered; each is built once, on
// first use, and lives as long as the process.
const VirtualLibrary* Build(const char* name, const std::vector<const char*>& sonames,
                            void (*register_hooks)(VirtualLibrary&)) {
  auto* l = new VirtualLibrary(name, sonames);
  register_hooks(*l);
  return l;
}

}  // namespace

const VirtualLibrary& VirtualLibc() {
  static const VirtualLibrary* lib = [] {
    // libresolv: bionic's libc also exports the BIND resolver helpers
    // (ns_*, __p_*, ...); libgcc_s: since API 30 it exports the unwinder.
    auto* l = new VirtualLibrary("libc.so", {"libc.so.6", "libresolv.so.2", "libgcc_s.so.1"});
    hooks::RegisterLibc(*l);
    hooks::RegisterLibdl(*l);  // bionic's libc also exports dl_iterate_phdr & co.
    return l;
  }();
  return *lib;
}

const VirtualLibrary& VirtualLibm() {
  static const VirtualLibrary* lib = Build("libm.so", {"libm.so.6"}, hooks::RegisterLibm);
  return *lib;
}

const VirtualLibrary& VirtualLibdl() {
  static const VirtualLibrary* lib = Build("libdl.so", {}, hooks::RegisterLibdl);
  return *lib;
}

const VirtualLibrary& VirtualLiblog() {
  static const VirtualLibrary* lib = Build("liblog.so", {}, hooks::RegisterLiblog);
  return *lib;
}

const VirtualLibrary& VirtualLibstdcxx() {
  // bionic's libstdc++.so is only the C++ ABI core (new/delete, guards,
  // __cxa_pure_virtual); the guard and pure-virtual ABI is the Itanium one
  // the host's libstdc++ implements too.
  static const VirtualLibrary* lib =
      Build("libstdc++.so", {"libstdc++.so.6"}, hooks::RegisterLibstdcxx);
  return *lib;
}

const VirtualLibrary& VirtualLibz() {
  static const VirtualLibrary* lib = Build("libz.so", {"libz.so.1"}, hooks::RegisterLibz);
  return *lib;
}

const VirtualLibrary& VirtualLibEGL() {
  static const VirtualLibrary* lib = Build("libEGL.so", {"libEGL.so.1"}, hooks::RegisterLibEGL);
  return *lib;
}

const VirtualLibrary& VirtualLibGLESv2() {
  // Mesa's libGLESv2.so.2 exports the GLES 3.x entry points too, which is
  // what Android's libGLESv3.so adds to libGLESv2.so.
  static const VirtualLibrary* lib = new VirtualLibrary("libGLESv2.so", {"libGLESv2.so.2"});
  return *lib;
}

const VirtualLibrary& VirtualLibmediandk() {
  // Every symbol is the bridge's own: nothing passes through to the host.
  static const VirtualLibrary* lib = Build("libmediandk.so", {}, hooks::RegisterLibmediandk);
  return *lib;
}

const VirtualLibrary& VirtualLibjnigraphics() {
  static const VirtualLibrary* lib = Build("libjnigraphics.so", {}, hooks::RegisterLibjnigraphics);
  return *lib;
}

const VirtualLibrary& VirtualLibandroid() {
  static const VirtualLibrary* lib = Build("libandroid.so", {}, hooks::RegisterLibandroid);
  return *lib;
}

const VirtualLibrary& VirtualLibnativewindow() {
  static const VirtualLibrary* lib =
      Build("libnativewindow.so", {}, hooks::RegisterLibnativewindow);
  return *lib;
}

const VirtualLibrary& VirtualLibaaudio() {
  static const VirtualLibrary* lib = Build("libaaudio.so", {}, hooks::RegisterLibaaudio);
  return *lib;
}

const VirtualLibrary& VirtualLibOpenSLES() {
  static const VirtualLibrary* lib = Build("libOpenSLES.so", {}, hooks::RegisterLibOpenSLES);
  return *lib;
}

const std::vector<const VirtualLibrary*>& AllVirtualLibraries() {
  static const std::vector<const VirtualLibrary*> all = {&VirtualLibc(),      &VirtualLibm(),
                                                         &VirtualLibdl(),     &VirtualLiblog(),
                                                         &VirtualLibstdcxx(), &VirtualLibz()};
  return all;
}

const VirtualLibrary* FindVirtualLibrary(std::string_view name) {
  if (name == "libc.so") return &VirtualLibc();
  if (name == "libm.so") return &VirtualLibm();
  if (name == "libdl.so") return &VirtualLibdl();
  if (name == "liblog.so") return &VirtualLiblog();
  if (name == "libstdc++.so") return &VirtualLibstdcxx();
  if (name == "libz.so") return &VirtualLibz();
  if (name == "libEGL.so") return &VirtualLibEGL();
  if (name == "libGLESv2.so" || name == "libGLESv3.so") return &VirtualLibGLESv2();
  if (name == "libmediandk.so") return &VirtualLibmediandk();
  if (name == "libjnigraphics.so") return &VirtualLibjnigraphics();
  if (name == "libandroid.so") return &VirtualLibandroid();
  if (name == "libnativewindow.so") return &VirtualLibnativewindow();
  if (name == "libaaudio.so") return &VirtualLibaaudio();
  if (name == "libOpenSLES.so") return &VirtualLibOpenSLES();
  return nullptr;
}

}  // namespace vmi::bridge
