// Applies an object's dynamic relocations (RELA, JMPREL, RELR and Android
// packed APS2) to its LoadedImage. Symbol references are answered by a
// SymbolResolver; each symbol is resolved once per object. Every strong
// reference that cannot be resolved is collected, so the load fails with the
// complete list instead of crashing at call time. Runs on the loading thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "bridge/dynamic_info.h"
#include "bridge/loaded_image.h"

namespace vmi::bridge {

class SymbolResolver {
 public:
  virtual ~SymbolResolver() = default;
  // Address of the definition that the import `sym_index` of the object being
  // relocated binds to, or 0 when none exists.
  virtual uintptr_t Resolve(uint32_t sym_index) = 0;
  // For R_*_COPY in executables: the definition outside the object being
  // relocated whose `size` bytes are copied to `dst`; 0 when none.
  virtual uintptr_t ResolveCopy(uint32_t sym_index, void* dst, size_t size) {
    (void)sym_index;
    (void)dst;
    (void)size;
    return 0;
  }
};

struct RelocateOptions {
  // IFUNC resolvers (R_X86_64_IRELATIVE) run code from the object; the fuzzer
  // turns that off.
  bool allow_irelative = true;
};

// Applies all relocations. `missing` receives the names of strong symbols
// that could not be resolved (relocation continues so the list is complete);
// the caller decides whether that is fatal.
Result<void> Relocate(const LoadedImage& image, const DynamicInfo& dyn, SymbolResolver& resolver,
                      const RelocateOptions& options, std::vector<std::string>* missing);

}  // namespace vmi::bridge
