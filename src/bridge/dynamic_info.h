// DynamicInfo: what the loader needs from PT_DYNAMIC, parsed and validated
// against a LoadedImage. Addresses are kept as virtual addresses (add the
// bias to get a pointer); every table listed here has been checked to lie in
// mapped segments, and the symbol count was derived from the hash tables, so
// later stages can index symbols, strings and versions without re-checking.
#pragma once

#include <elf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "bridge/loaded_image.h"

namespace vmi::bridge {

// Android-specific dynamic tags (bionic's elf.h / linker: DT_LOOS + n).
inline constexpr int64_t kDtAndroidRel = 0x6000000f;
inline constexpr int64_t kDtAndroidRelSz = 0x60000010;
inline constexpr int64_t kDtAndroidRela = 0x60000011;
inline constexpr int64_t kDtAndroidRelaSz = 0x60000012;
inline constexpr int64_t kDtAndroidRelr = 0x6fffe000;
inline constexpr int64_t kDtAndroidRelrSz = 0x6fffe001;
inline constexpr int64_t kDtRelr = 36;
inline constexpr int64_t kDtRelrSz = 35;

struct GnuHash {
  uint32_t nbuckets = 0, symoffset = 0, bloom_size = 0, bloom_shift = 0;
  const uint64_t* bloom = nullptr;
  const uint32_t* buckets = nullptr;
  const uint32_t* chains = nullptr;  // indexed by (symbol index - symoffset)
  uint32_t end = 0;                  // one past the last symbol the chains cover
};

struct SysvHash {
  uint32_t nbucket = 0, nchain = 0;
  const uint32_t* buckets = nullptr;
  const uint32_t* chains = nullptr;
};

struct DynamicInfo {
  const Elf64_Dyn* dynamic = nullptr;
  size_t dynamic_count = 0;
  uint64_t strtab = 0, strsz = 0;
  const char* strings = nullptr;  // strsz bytes, last one NUL
  const Elf64_Sym* symtab = nullptr;
  uint32_t nsyms = 0;
  bool has_gnu_hash = false;
  GnuHash gnu;
  bool has_sysv_hash = false;
  SysvHash sysv;
  const uint16_t* versym = nullptr;  // nsyms entries, or null
  // Version names by version index (index 0/1 empty); from VERDEF and VERNEED.
  std::vector<const char*> version_names;
  bool has_verdef = false;
  const Elf64_Rela* rela = nullptr;
  size_t rela_count = 0;
  const Elf64_Rela* jmprel = nullptr;
  size_t jmprel_count = 0;
  const uint64_t* relr = nullptr;
  size_t relr_count = 0;
  const uint8_t* android_rela = nullptr;
  size_t android_rela_size = 0;
  uint64_t init = 0, fini = 0;
  const uint64_t* init_array = nullptr;
  size_t init_array_count = 0;
  const uint64_t* fini_array = nullptr;
  size_t fini_array_count = 0;
  const uint64_t* preinit_array = nullptr;
  size_t preinit_array_count = 0;
  std::vector<const char*> needed;
  const char* soname = nullptr;
  bool symbolic = false;

  // Name of a symbol of this table, or nullptr when st_name is out of range.
  const char* SymbolName(const Elf64_Sym& s) const { return s.st_name < strsz ? strings + s.st_name : nullptr; }
};

// Parses the PT_DYNAMIC of `image`. `phdrs` are the object's program headers.
Result<DynamicInfo> ParseDynamic(const LoadedImage& image, const std::vector<Elf64_Phdr>& phdrs);

}  // namespace vmi::bridge
