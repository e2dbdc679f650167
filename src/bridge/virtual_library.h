// VirtualLibrary: a bionic system library (libc.so, libm.so, libdl.so,
// liblog.so, libstdc++.so, libz.so) provided by the bridge. A symbol resolves to the bridge's hook
// when one exists (ABI differs between bionic and glibc), else straight to the
// glibc library behind it (ABI matches), unless it is on the blocked list of
// functions whose ABI differs and that have no hook yet: those are reported
// as missing so the load fails instead of misbehaving later.
// Built once at start-up; lookups are thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace vmi::bridge {

struct HookEntry {
  const char* name;
  void* address;
};

class VirtualLibrary {
 public:
  // `glibc_sonames`: glibc libraries whose symbols pass through ("libc.so.6").
  VirtualLibrary(std::string name, const std::vector<const char*>& glibc_sonames);

  const std::string& name() const { return name_; }
  void AddHooks(const HookEntry* entries, size_t count);
  // Symbols whose ABI is the host's but that glibc spells differently or
  // that come from a host library linked into the bridge (zlib's internals):
  // they count as resolving straight, not as hooks.
  void AddStraight(const HookEntry* entries, size_t count);
  void Block(const char* name) { blocked_.insert(name); }

  // Address for `symbol`, or 0. Hooks win over passthrough.
  uintptr_t Lookup(const char* symbol) const;
  bool IsHooked(const char* symbol) const { return hooks_.count(symbol) != 0; }
  size_t hook_count() const { return hooks_.size(); }
  // Enumerates hook names (for docs and tests).
  std::vector<std::string> HookNames() const;

 private:
  bool HookedElsewhere(const char* symbol) const;

  std::string name_;
  std::vector<void*> glibc_handles_;
  std::unordered_map<std::string_view, void*> hooks_;
  std::unordered_map<std::string_view, void*> straight_;
  std::unordered_set<std::string_view> blocked_;
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, uintptr_t> cache_;
};

// The virtual libraries, with every hook family registered.
const VirtualLibrary& VirtualLibc();
const VirtualLibrary& VirtualLibm();
const VirtualLibrary& VirtualLibdl();
const VirtualLibrary& VirtualLiblog();
const VirtualLibrary& VirtualLibstdcxx();
const VirtualLibrary& VirtualLibz();
// Graphics: the host's Mesa (not in AllVirtualLibraries: loaded only when a
// bridged object needs them).
const VirtualLibrary& VirtualLibEGL();
const VirtualLibrary& VirtualLibGLESv2();
// Media: AMediaCodec/AMediaFormat on the host's libavcodec (media/).
const VirtualLibrary& VirtualLibmediandk();
// AndroidBitmap_* over the JNI environment's bitmaps (jni/jni_env.h).
const VirtualLibrary& VirtualLibjnigraphics();
// libandroid.so (ALooper, AAssetManager, AConfiguration, ANativeWindow,
// ATrace, ASharedMemory, ASensorManager: android/) and libnativewindow.so
// (its ANativeWindow_* subset).
const VirtualLibrary& VirtualLibandroid();
const VirtualLibrary& VirtualLibnativewindow();
// libaaudio.so and libOpenSLES.so on the host's ALSA device (audio/).
const VirtualLibrary& VirtualLibaaudio();
const VirtualLibrary& VirtualLibOpenSLES();
// All of the bionic core libraries, in the order above.
const std::vector<const VirtualLibrary*>& AllVirtualLibraries();
// Returns the virtual library called `name` ("libc.so", ...), or nullptr.
const VirtualLibrary* FindVirtualLibrary(std::string_view name);

}  // namespace vmi::bridge
