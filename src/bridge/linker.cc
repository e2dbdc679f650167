#include "bridge/linker.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <deque>

#include "base/file.h"
#include "base/log.h"
#include "bridge/apk_archive.h"
#include "bridge/crash_guard.h"
#include "base/unique_fd.h"
#include "bridge/bionic_tls.h"
#include "bridge/elf_file.h"
#include "bridge/hooks/hooks.h"
#include "bridge/symbol_lookup.h"
#include "bridge/virtual_library.h"

namespace vmi::bridge {
namespace {

ProcessArgs g_process_args;

// glibc passes (argc, argv, envp) to ELF constructors; keep them for the
// bionic constructors we run later.
__attribute__((constructor)) void CaptureProcessArgs(int argc, char** argv, char** envp) {
  g_process_args.argc = argc;
  g_process_args.argv = argv;
  g_process_args.envp = envp;
}

std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool Callable(uint64_t v) { return v != 0 && v != ~uint64_t{0}; }

using InitFn = void (*)(int, char**, char**);
using FiniFn = void (*)();

class ScopeResolver : public SymbolResolver {
 public:
  ScopeResolver(Linker* linker, SharedObject* so,
                std::function<uintptr_t(const char*, const char*)> lookup)
      : so_(so), lookup_(std::move(lookup)) {
    (void)linker;
  }
  uintptr_t Resolve(uint32_t idx) override {
    const DynamicInfo& d = so_->dyn;
    const char* name = d.SymbolName(d.symtab[idx]);
    if (name == nullptr) return 0;
    const char* version = nullptr;
    if (d.versym != nullptr) {
      uint16_t v = d.versym[idx] & 0x7fff;
      if (v < d.version_names.size()) version = d.version_names[v];
    }
    return lookup_(name, version);
  }
  uintptr_t ResolveCopy(uint32_t idx, void* dst, size_t size) override {
    const DynamicInfo& d = so_->dyn;
    const char* name = d.SymbolName(d.symtab[idx]);
    if (name == nullptr) return 0;
    std::vector<SharedObject*> others;
    for (SharedObject* s : so_->scope) {
      if (s != so_) others.push_back(s);
    }
    uintptr_t src = copy_lookup_(others, name);
    // The executable now owns its copy of bionic's stdio array: stdio hooks
    // must recognise pointers into it as stdin/stdout/stderr too.
    if (src != 0 && src == reinterpret_cast<uintptr_t>(hooks::BionicSF())) hooks::AddSFAlias(dst, size);
    return src;
  }
  std::function<uintptr_t(const std::vector<SharedObject*>&, const char*)> copy_lookup_;

 private:
  SharedObject* so_;
  std::function<uintptr_t(const char*, const char*)> lookup_;
};

}  // namespace

const ProcessArgs& GetProcessArgs() { return g_process_args; }

Linker& Linker::Instance() {
  // Never destroyed: bionic destructors may still call dl* hooks at exit.
  static Linker* linker = new Linker();
  return *linker;
}

Linker::Linker() {
  global_.kind = SharedObject::Kind::kGlobal;
  global_.name = "<global>";
  const char* env = getenv("VMI_BRIDGE_LIBRARY_PATH");
  if (env != nullptr) search_path_ = env;
}

void Linker::SetSearchPath(const std::string& path) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  search_path_ = path;
}

std::string Linker::SearchPath() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  return search_path_;
}

Result<std::string> Linker::Locate(const std::string& name, const std::string& requester_dir) {
  if (name.find('/') != std::string::npos || SplitArchivePath(name)) return name;
  // A library inside an APK/AAR finds its DT_NEEDED in the same archive
  // directory first, as Android's linker does for the app's own libraries.
  if (auto in_archive = SplitArchivePath(requester_dir); in_archive) {
    std::string entry = in_archive->entry.empty() ? name : in_archive->entry + "/" + name;
    if (ArchiveHasEntry(in_archive->archive, entry)) return in_archive->archive + "!/" + entry;
  }
  std::vector<std::string> dirs = Split(search_path_, ':');
  if (!requester_dir.empty()) dirs.push_back(requester_dir);
  for (const std::string& dir : dirs) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + name;
    if (access(candidate.c_str(), R_OK) == 0) return candidate;
  }
  return Error(ErrorCode::kNotFound,
               "library \"" + name + "\" not found (search path \"" + search_path_ + "\")");
}

SharedObject* Linker::FindLoaded(const std::string& name) {
  if (const VirtualLibrary* v = FindVirtualLibrary(Basename(name)); v != nullptr && name.find('/') == std::string::npos) {
    for (auto& so : virtuals_) {
      if (so->vlib == v) return so.get();
    }
    auto so = std::make_unique<SharedObject>();
    so->kind = SharedObject::Kind::kVirtual;
    so->name = so->path = v->name();
    so->vlib = v;
    so->refcount = 1;
    virtuals_.push_back(std::move(so));
    return virtuals_.back().get();
  }
  for (auto& so : objects_) {
    if (so->path == name || so->name == name || Basename(so->path) == name) return so.get();
  }
  return nullptr;
}

Result<std::unique_ptr<SharedObject>> Linker::MapObject(const std::string& file, const std::string& name) {
  UniqueFd fd;
  std::string path = file;
  uint64_t offset = 0, size = 0;
  if (auto in_archive = SplitArchivePath(file); in_archive) {
    ArchiveEntryFile entry = VMI_TRY(OpenArchiveEntry(*in_archive));
    fd = std::move(entry.fd);
    path = entry.display;
    offset = entry.offset;
    size = entry.size;
  } else {
    fd = UniqueFd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return Error::FromErrno("open " + path);
  }
  ElfFile elf = VMI_TRY(ElfFile::Read(fd.get(), path, offset, size));
  auto so = std::make_unique<SharedObject>();
  so->kind = SharedObject::Kind::kFile;
  so->path = path;
  so->image = VMI_TRY_CTX(LoadedImage::Map(elf, fd.get()), "map " + path);
  so->dyn = VMI_TRY_CTX(ParseDynamic(so->image, elf.phdrs()), path);
  so->name = so->dyn.soname != nullptr ? so->dyn.soname : Basename(name);
  so->phdrs_copy = elf.phdrs();
  so->phnum = elf.phdrs().size();
  so->is_executable = elf.has_interp();
  so->entry = so->bias() + elf.header().e_entry;
  // Prefer the program headers as mapped (unwinders read them from there).
  uint64_t ph_vaddr = 0;
  bool found = false;
  for (const Elf64_Phdr& ph : elf.phdrs()) {
    if (ph.p_type == PT_PHDR) {
      ph_vaddr = ph.p_vaddr;
      found = true;
    }
  }
  if (!found) {
    for (const Elf64_Phdr& ph : elf.phdrs()) {
      const uint64_t phoff = elf.header().e_phoff;
      if (ph.p_type == PT_LOAD && phoff >= ph.p_offset && phoff < ph.p_offset + ph.p_filesz) {
        ph_vaddr = ph.p_vaddr + (phoff - ph.p_offset);
        found = true;
        break;
      }
    }
  }
  const Elf64_Phdr* mapped = found ? so->image.Get<Elf64_Phdr>(ph_vaddr, so->phnum) : nullptr;
  so->phdr = mapped != nullptr ? mapped : so->phdrs_copy.data();
  return so;
}

void Linker::BuildScope(SharedObject* root) {
  root->scope.clear();
  std::deque<SharedObject*> queue{root};
  while (!queue.empty()) {
    SharedObject* so = queue.front();
    queue.pop_front();
    if (std::find(root->scope.begin(), root->scope.end(), so) != root->scope.end()) continue;
    root->scope.push_back(so);
    for (SharedObject* dep : so->needed) queue.push_back(dep);
  }
}

uintptr_t Linker::LookupInScope(const std::vector<SharedObject*>& scope, const char* name, const char* version) {
  SymbolQuery q(name, version);
  for (SharedObject* so : scope) {
    if (so->kind == SharedObject::Kind::kVirtual) {
      if (uintptr_t a = so->vlib->Lookup(name); a != 0) return a;
      continue;
    }
    if (so->kind != SharedObject::Kind::kFile) continue;
    if (const Elf64_Sym* s = FindDefinition(so->dyn, q); s != nullptr) {
      uintptr_t addr = so->bias() + s->st_value;
      if (ELF64_ST_TYPE(s->st_info) == STT_GNU_IFUNC) addr = reinterpret_cast<uintptr_t (*)()>(addr)();
      return addr;
    }
  }
  return 0;
}

Result<SharedObject*> Linker::LoadGroup(const std::string& name, const LoadOptions& options,
                                        std::vector<std::string>* missing_out) {
  std::vector<std::unique_ptr<SharedObject>> fresh;
  std::vector<SharedObject*> bumped;
  bool committed = false;
  struct Rollback {
    std::vector<SharedObject*>* bumped;
    bool* committed;
    ~Rollback() {
      if (!*committed) {
        for (SharedObject* so : *bumped) --so->refcount;
      }
    }
  } rollback{&bumped, &committed};

  std::string path = VMI_TRY(Locate(name, ""));
  fresh.push_back(VMI_TRY(MapObject(path, name)));
  SharedObject* root = fresh.front().get();
  root->refcount = 1;
  std::vector<std::string> missing;

  for (size_t i = 0; i < fresh.size(); ++i) {
    SharedObject* so = fresh[i].get();
    for (const char* dep_name : so->dyn.needed) {
      SharedObject* dep = nullptr;
      for (auto& f : fresh) {
        if (f->name == dep_name || Basename(f->path) == dep_name) dep = f.get();
      }
      if (dep == nullptr) {
        dep = FindLoaded(dep_name);
        if (dep != nullptr && dep->kind == SharedObject::Kind::kFile) bumped.push_back(dep);
      }
      if (dep == nullptr) {
        auto located = Locate(dep_name, Dirname(so->path));
        if (!located.ok()) {
          if (options.fail_on_missing) {
            return std::move(located).error().Context("load " + so->path + " (DT_NEEDED)");
          }
          missing.push_back(std::string("library ") + dep_name + " (needed by " + so->name + ")");
          continue;
        }
        auto mapped = MapObject(*located, dep_name);
        if (!mapped.ok()) return std::move(mapped).error().Context("load " + so->path + " (DT_NEEDED)");
        fresh.push_back(std::move(*mapped));
        dep = fresh.back().get();
      }
      ++dep->refcount;
      so->needed.push_back(dep);
    }
  }

  BuildScope(root);
  for (auto it = fresh.rbegin(); it != fresh.rend(); ++it) {
    SharedObject* so = it->get();
    if (so != root) so->scope = root->scope;
    std::vector<std::string> so_missing;
    ScopeResolver resolver(this, so, [this, so](const char* n, const char* v) { return LookupInScope(so->scope, n, v); });
    resolver.copy_lookup_ = [this](const std::vector<SharedObject*>& scope, const char* n) {
      return LookupInScope(scope, n, nullptr);
    };
    VMI_CHECK_OK(Relocate(so->image, so->dyn, resolver, options.relocate, &so_missing), "relocate " + so->path);
    for (std::string& m : so_missing) missing.push_back(m + " (" + so->name + ")");
  }
  if (!missing.empty()) {
    if (missing_out != nullptr) *missing_out = missing;
    if (options.fail_on_missing) {
      std::string list;
      for (const std::string& m : missing) list += (list.empty() ? "" : ", ") + m;
      return Error(ErrorCode::kNotFound,
                   "load " + path + ": " + std::to_string(missing.size()) + " unresolved symbol(s): " + list);
    }
  }
  for (auto& so : fresh) {
    for (const Elf64_Phdr& ph : so->phdrs_copy) {
      if (ph.p_type == PT_GNU_RELRO) VMI_CHECK_OK(so->image.ProtectRelro(ph.p_vaddr, ph.p_memsz), so->path);
    }
  }
  committed = true;
  for (auto& so : fresh) {
    objects_.push_back(std::move(so));
    ++adds_;
  }
  if (options.run_constructors) {
    auto constructed = RunConstructors(root);
    if (!constructed.ok()) {
      Release(root);  // unmaps the group; destructors run only for what was constructed
      return std::move(constructed).error().Context("load " + path);
    }
  }
  return root;
}

Result<void> Linker::RunConstructors(SharedObject* so) {
  if (so->kind != SharedObject::Kind::kFile || so->constructed) return Ok();
  so->constructed = true;
  for (SharedObject* dep : so->needed) {
    auto r = RunConstructors(dep);
    if (!r.ok()) {
      so->destructed = true;  // its own constructors never ran
      return std::move(r).Context("constructors of " + so->name);
    }
  }
  const ProcessArgs& a = g_process_args;
  // A crash inside a constructor fails the load (CallGuarded); the crashed
  // object's destructors will not run.
  auto call = [&](uintptr_t fn, const std::string& what) -> Result<void> {
    auto r = CallGuarded(reinterpret_cast<InitFn>(fn), a.argc, a.argv, a.envp, what + " of " + so->path);
    if (!r.ok()) so->destructed = true;
    return r;
  };
  if (so->is_executable) {
    for (size_t i = 0; i < so->dyn.preinit_array_count; ++i) {
      if (Callable(so->dyn.preinit_array[i])) {
        VMI_CHECK_OK(call(so->dyn.preinit_array[i], "DT_PREINIT_ARRAY[" + std::to_string(i) + "]"), "run");
      }
    }
  }
  if (so->dyn.init != 0) VMI_CHECK_OK(call(so->bias() + so->dyn.init, "DT_INIT"), "run");
  for (size_t i = 0; i < so->dyn.init_array_count; ++i) {
    if (Callable(so->dyn.init_array[i])) {
      VMI_CHECK_OK(call(so->dyn.init_array[i], "DT_INIT_ARRAY[" + std::to_string(i) + "]"), "run");
    }
  }
  return Ok();
}

void Linker::RunDestructors(SharedObject* so) {
  if (!so->constructed || so->destructed) return;
  so->destructed = true;
  for (size_t i = so->dyn.fini_array_count; i-- > 0;) {
    if (Callable(so->dyn.fini_array[i])) reinterpret_cast<FiniFn>(so->dyn.fini_array[i])();
  }
  if (so->dyn.fini != 0) reinterpret_cast<FiniFn>(so->bias() + so->dyn.fini)();
}

Result<SharedObject*> Linker::Open(const std::string& name, const LoadOptions& options) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  VMI_CHECK_OK(PrepareThreadForBionic(), "open " + name);
  SharedObject* so = FindLoaded(name);
  if (so != nullptr) {
    if (so->kind == SharedObject::Kind::kFile) ++so->refcount;
  } else {
    so = VMI_TRY(LoadGroup(name, options, nullptr));
  }
  if (options.nodelete) so->nodelete = true;
  return so;
}

void Linker::Release(SharedObject* so) {
  if (so->kind != SharedObject::Kind::kFile) return;
  if (so->refcount > 1 || !so->nodelete) --so->refcount;
  if (so->refcount > 0) return;
  RunDestructors(so);
  std::vector<SharedObject*> needed = so->needed;
  auto it = std::find_if(objects_.begin(), objects_.end(), [so](auto& p) { return p.get() == so; });
  std::unique_ptr<SharedObject> owned;
  if (it != objects_.end()) {
    owned = std::move(*it);
    objects_.erase(it);
    ++subs_;
  }
  for (SharedObject* dep : needed) Release(dep);
  // `owned` unmaps the image here.
}

Result<void> Linker::Close(SharedObject* handle) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (!IsHandle(handle)) return Error(ErrorCode::kInvalidArgument, "invalid handle");
  Release(handle);
  return Ok();
}

bool Linker::IsHandle(const void* handle) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (handle == &global_) return true;
  for (auto& so : objects_) {
    if (so.get() == handle) return true;
  }
  for (auto& so : virtuals_) {
    if (so.get() == handle) return true;
  }
  return false;
}

uintptr_t Linker::Symbol(SharedObject* handle, const char* name) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (handle == &global_) {
    std::vector<SharedObject*> all;
    for (auto& so : objects_) all.push_back(so.get());
    for (const char* v : {"libc.so", "libm.so", "libdl.so", "liblog.so"}) all.push_back(FindLoaded(v));
    return LookupInScope(all, name, nullptr);
  }
  if (handle->kind == SharedObject::Kind::kVirtual) return handle->vlib->Lookup(name);
  if (handle->scope.empty()) BuildScope(handle);
  return LookupInScope(handle->scope, name, nullptr);
}

uintptr_t Linker::SymbolNext(uintptr_t caller, const char* name) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  SharedObject* from = ObjectAt(caller);
  std::vector<SharedObject*> after;
  bool seen = from == nullptr;
  for (auto& so : objects_) {
    if (seen) after.push_back(so.get());
    if (so.get() == from) seen = true;
  }
  for (const char* v : {"libc.so", "libm.so", "libdl.so", "liblog.so"}) after.push_back(FindLoaded(v));
  return LookupInScope(after, name, nullptr);
}

SharedObject* Linker::ObjectAt(uintptr_t addr) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  for (auto& so : objects_) {
    if (so->image.Contains(addr)) return so.get();
  }
  return nullptr;
}

bool Linker::Describe(uintptr_t addr, Dl_info* info) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  SharedObject* so = ObjectAt(addr);
  if (so == nullptr) return false;
  info->dli_fname = so->path.c_str();
  info->dli_fbase = reinterpret_cast<void*>(so->image.start());
  info->dli_sname = nullptr;
  info->dli_saddr = nullptr;
  const Elf64_Sym* best = nullptr;
  for (uint32_t i = 0; i < so->dyn.nsyms; ++i) {
    const Elf64_Sym& s = so->dyn.symtab[i];
    if (s.st_shndx == SHN_UNDEF || s.st_value == 0) continue;
    const uintptr_t start = so->bias() + s.st_value;
    if (start > addr || addr >= start + std::max<uint64_t>(s.st_size, 1)) continue;
    if (best == nullptr || s.st_value > best->st_value) best = &s;
  }
  if (best != nullptr) {
    info->dli_sname = so->dyn.SymbolName(*best);
    info->dli_saddr = reinterpret_cast<void*>(so->bias() + best->st_value);
  }
  return true;
}

int Linker::IteratePhdr(int (*cb)(struct dl_phdr_info*, size_t, void*), void* data) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  for (auto& so : objects_) {
    struct dl_phdr_info info;
    memset(&info, 0, sizeof(info));
    info.dlpi_addr = so->bias();
    info.dlpi_name = so->path.c_str();
    info.dlpi_phdr = so->phdr;
    info.dlpi_phnum = static_cast<ElfW(Half)>(so->phnum);
    info.dlpi_adds = adds_;
    info.dlpi_subs = subs_;
    if (int r = cb(&info, sizeof(info), data); r != 0) return r;
  }
  return 0;
}

Result<InspectReport> Linker::Inspect(const std::string& path) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  InspectReport report;
  report.path = path;
  LoadOptions options;
  options.run_constructors = false;
  options.fail_on_missing = false;
  options.relocate.allow_irelative = false;
  std::vector<std::string> missing;
  SharedObject* root = VMI_TRY(LoadGroup(path, options, &missing));
  for (const char* n : root->dyn.needed) report.needed.push_back(n);
  for (std::string& m : missing) {
    if (m.rfind("library ", 0) == 0) {
      report.unresolved_libraries.push_back(m.substr(8));
    } else {
      report.missing_symbols.push_back(m);
    }
  }
  Release(root);
  return report;
}

std::vector<std::string> Linker::LoadedNames() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  std::vector<std::string> out;
  for (auto& so : objects_) out.push_back(so->name);
  return out;
}

}  // namespace vmi::bridge
