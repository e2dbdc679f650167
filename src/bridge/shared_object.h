// SharedObject: one object known to the bridge linker — a bionic ELF object
// loaded from a file, or one of the virtual bionic libraries (libc.so, libm.so,
// libdl.so, liblog.so) that the hooks provide. Owned by the Linker; a pointer
// to it is the handle returned by bridge_dlopen() and the bionic dlopen().
#pragma once

#include <elf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bridge/dynamic_info.h"
#include "bridge/loaded_image.h"

namespace vmi::bridge {

class VirtualLibrary;

struct SharedObject {
  enum class Kind { kFile, kVirtual, kGlobal };
  Kind kind = Kind::kFile;
  std::string name;  // DT_SONAME, else the file name it was opened by
  std::string path;  // file path (kFile), or the virtual name
  const VirtualLibrary* vlib = nullptr;  // kVirtual only

  LoadedImage image;
  DynamicInfo dyn;
  std::vector<Elf64_Phdr> phdrs_copy;
  const Elf64_Phdr* phdr = nullptr;  // program headers in memory (for dl_iterate_phdr)
  size_t phnum = 0;
  uintptr_t entry = 0;
  bool is_executable = false;

  std::vector<SharedObject*> needed;  // DT_NEEDED, resolved
  std::vector<SharedObject*> scope;   // symbol lookup order (breadth first from this object)
  int refcount = 0;                   // opens + objects that need it
  bool constructed = false;
  bool destructed = false;
  bool nodelete = false;  // RTLD_NODELETE: never unloaded

  uintptr_t bias() const { return image.bias(); }
};

}  // namespace vmi::bridge
