#include "bridge/load_from_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "bridge/dynamic_info.h"
#include "bridge/elf_file.h"
#include "bridge/loaded_image.h"
#include "bridge/relocator.h"
#include "bridge/symbol_lookup.h"
#include "bridge/virtual_library.h"

namespace vmi::bridge {
namespace {

class VirtualOnlyResolver : public SymbolResolver {
 public:
  explicit VirtualOnlyResolver(const DynamicInfo& d) : d_(d) {}
  uintptr_t Resolve(uint32_t idx) override {
    const char* name = d_.SymbolName(d_.symtab[idx]);
    if (name == nullptr) return 0;
    for (const VirtualLibrary* l : AllVirtualLibraries()) {
      if (uintptr_t a = l->Lookup(name); a != 0) return a;
    }
    return 0;
  }

 private:
  const DynamicInfo& d_;
};

}  // namespace

Result<void> LoadFromMemory(const uint8_t* data, size_t size) {
  UniqueFd fd(memfd_create(kMemoryObjectName, MFD_CLOEXEC));
  if (!fd) return Error::FromErrno("memfd_create");
  size_t off = 0;
  while (off < size) {
    ssize_t n = write(fd.get(), data + off, size - off);
    if (n <= 0) return Error::FromErrno("write memfd");
    off += static_cast<size_t>(n);
  }
  ElfFile elf = VMI_TRY(ElfFile::Read(fd.get(), "<memory>"));
  LoadedImage image = VMI_TRY(LoadedImage::Map(elf, fd.get()));
  DynamicInfo dyn = VMI_TRY(ParseDynamic(image, elf.phdrs()));
  // Exercise lookups through both hash tables for every named symbol.
  for (uint32_t i = 0; i < dyn.nsyms; ++i) {
    const char* n = dyn.SymbolName(dyn.symtab[i]);
    if (n != nullptr && *n != 0) (void)FindDefinition(dyn, SymbolQuery(n));
  }
  VirtualOnlyResolver resolver(dyn);
  RelocateOptions options;
  options.allow_irelative = false;
  std::vector<std::string> missing;
  VMI_CHECK_OK(Relocate(image, dyn, resolver, options, &missing), "relocate");
  for (const Elf64_Phdr& ph : elf.phdrs()) {
    if (ph.p_type == PT_GNU_RELRO) VMI_CHECK_OK(image.ProtectRelro(ph.p_vaddr, ph.p_memsz), "relro");
  }
  if (!missing.empty()) {
    return Error(ErrorCode::kNotFound, std::to_string(missing.size()) + " unresolved symbol(s)");
  }
  return Ok();
}

}  // namespace vmi::bridge
