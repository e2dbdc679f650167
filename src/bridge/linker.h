// Linker: the bridge's dynamic linker for bionic objects inside this glibc
// process. It finds objects on the Android library search path, maps them,
// resolves DT_NEEDED against other bridged objects and the virtual bionic
// libraries, relocates, runs constructors in dependency order, counts
// references and runs destructors when the last reference goes.
//
// There is one Linker per process (Instance()): bionic code calls dlopen(),
// dlsym() and dl_iterate_phdr() through hooks that carry no context, exactly
// like the system's own dynamic linker. All public methods are thread-safe and
// may be re-entered from constructors (a recursive mutex serialises them).
#pragma once

#include <link.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "bridge/relocator.h"
#include "bridge/shared_object.h"

namespace vmi::bridge {

struct LoadOptions {
  bool run_constructors = true;
  // When false, a load with missing symbols still succeeds (used by
  // `vmi-bridge needs` and by Inspect); the names are reported in `missing`.
  bool fail_on_missing = true;
  bool executable = false;
  // RTLD_NODELETE: keep the object (and so its threads' code) mapped forever.
  bool nodelete = false;
  RelocateOptions relocate;
};

struct InspectReport {
  std::string path;
  std::vector<std::string> needed;  // names as in DT_NEEDED
  std::vector<std::string> unresolved_libraries;
  // "symbol (object)" for every strong import without a definition.
  std::vector<std::string> missing_symbols;
};

class Linker {
 public:
  static Linker& Instance();

  // ':'-separated directories searched for DT_NEEDED and bare names.
  void SetSearchPath(const std::string& path);
  std::string SearchPath();

  // Opens `name` (a path with '/', or a name searched on the path, or one of
  // the virtual libraries). Counts a reference.
  Result<SharedObject*> Open(const std::string& name, const LoadOptions& options = {});
  // Drops a reference; at zero runs destructors and unmaps (and releases
  // what it needed).
  Result<void> Close(SharedObject* handle);
  // The handle for dlopen(NULL): symbol lookups search everything loaded.
  SharedObject* GlobalHandle() { return &global_; }
  bool IsHandle(const void* handle);

  // dlsym: searches `handle` and what it needs (or everything for the global
  // handle). Returns 0 when not found.
  uintptr_t Symbol(SharedObject* handle, const char* name);
  // Looks for `name` in every loaded object after `after` (RTLD_NEXT).
  uintptr_t SymbolNext(uintptr_t caller, const char* name);

  // The bridged object whose image contains `addr`, or nullptr.
  SharedObject* ObjectAt(uintptr_t addr);
  // dladdr for bridged objects: false if addr is not in one.
  bool Describe(uintptr_t addr, Dl_info* info);
  // Calls `cb` for every bridged file object, as dl_iterate_phdr would;
  // stops and returns the first non-zero result.
  int IteratePhdr(int (*cb)(struct dl_phdr_info*, size_t, void*), void* data);

  // Loads for inspection (no constructors, missing symbols reported), then
  // unloads.
  Result<InspectReport> Inspect(const std::string& path);

  // Loaded file objects, in load order (for tests and tools).
  std::vector<std::string> LoadedNames();
  unsigned long long adds() const { return adds_; }
  unsigned long long subs() const { return subs_; }

 private:
  Linker();
  Result<std::string> Locate(const std::string& name, const std::string& requester_dir);
  SharedObject* FindLoaded(const std::string& name);
  Result<std::unique_ptr<SharedObject>> MapObject(const std::string& path, const std::string& name);
  Result<SharedObject*> LoadGroup(const std::string& name, const LoadOptions& options,
                                  std::vector<std::string>* missing_out);
  uintptr_t LookupInScope(const std::vector<SharedObject*>& scope, const char* name, const char* version);
  void BuildScope(SharedObject* root);
  Result<void> RunConstructors(SharedObject* so);
  void RunDestructors(SharedObject* so);
  void Release(SharedObject* so);

  std::recursive_mutex mu_;
  std::string search_path_;
  std::vector<std::unique_ptr<SharedObject>> objects_;  // file objects, load order
  std::vector<std::unique_ptr<SharedObject>> virtuals_;
  SharedObject global_;
  unsigned long long adds_ = 0, subs_ = 0;
};

// Process argc/argv/envp as glibc handed them to our constructor; bionic
// constructors receive them too.
struct ProcessArgs {
  int argc = 0;
  char** argv = nullptr;
  char** envp = nullptr;
};
const ProcessArgs& GetProcessArgs();

}  // namespace vmi::bridge
