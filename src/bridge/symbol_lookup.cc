#include "bridge/symbol_lookup.h"

#include <cstring>

namespace vmi::bridge {

uint32_t GnuHashOf(const char* name) {
  uint32_t h = 5381;
  for (const unsigned char* p = reinterpret_cast<const unsigned char*>(name); *p != 0; ++p) h = h * 33 + *p;
  return h;
}

uint32_t SysvHashOf(const char* name) {
  uint32_t h = 0;
  for (const unsigned char* p = reinterpret_cast<const unsigned char*>(name); *p != 0; ++p) {
    h = (h << 4) + *p;
    uint32_t g = h & 0xf0000000;
    h ^= g >> 24;
    h &= ~g;
  }
  return h;
}

bool IsDefinition(const Elf64_Sym& s) {
  const int bind = ELF64_ST_BIND(s.st_info);
  const int type = ELF64_ST_TYPE(s.st_info);
  return s.st_shndx != SHN_UNDEF && (bind == STB_GLOBAL || bind == STB_WEAK || bind == STB_GNU_UNIQUE) &&
         type != STT_TLS;
}

namespace {

// Returns 2 for an exact version match, 1 for a usable default, 0 for no.
int VersionScore(const DynamicInfo& d, uint32_t idx, const SymbolQuery& q) {
  if (d.versym == nullptr) return 1;
  const uint16_t vs = d.versym[idx];
  const uint16_t ver = vs & 0x7fff;
  if (ver == 0) return 0;  // VER_NDX_LOCAL
  if (q.version != nullptr && ver < d.version_names.size() && d.version_names[ver] != nullptr &&
      strcmp(d.version_names[ver], q.version) == 0) {
    return 2;
  }
  return (vs & 0x8000) ? 0 : 1;
}

const Elf64_Sym* Consider(const DynamicInfo& d, uint32_t idx, const SymbolQuery& q, const Elf64_Sym** fallback,
                          bool* done) {
  const Elf64_Sym& s = d.symtab[idx];
  if (!IsDefinition(s)) return nullptr;
  const char* n = d.SymbolName(s);
  if (n == nullptr || strcmp(n, q.name) != 0) return nullptr;
  int score = VersionScore(d, idx, q);
  if (score == 2) {
    *done = true;
    return &s;
  }
  if (score == 1 && *fallback == nullptr) *fallback = &s;
  return nullptr;
}

}  // namespace

const Elf64_Sym* FindDefinition(const DynamicInfo& d, const SymbolQuery& q) {
  const Elf64_Sym* fallback = nullptr;
  bool done = false;
  if (d.has_gnu_hash) {
    const GnuHash& g = d.gnu;
    const uint64_t word = g.bloom[(q.gnu_hash / 64) & (g.bloom_size - 1)];
    const uint64_t mask = (1ull << (q.gnu_hash % 64)) | (1ull << ((q.gnu_hash >> g.bloom_shift) % 64));
    if ((word & mask) != mask) return nullptr;
    uint32_t idx = g.buckets[q.gnu_hash % g.nbuckets];
    if (idx < g.symoffset || idx >= g.end) return nullptr;
    for (; idx < g.end; ++idx) {
      const uint32_t h = g.chains[idx - g.symoffset];
      if ((h | 1) == (q.gnu_hash | 1)) {
        const Elf64_Sym* s = Consider(d, idx, q, &fallback, &done);
        if (done) return s;
      }
      if (h & 1) break;
    }
    return fallback;
  }
  if (d.has_sysv_hash) {
    if (!q.sysv_done) {
      q.sysv_hash = SysvHashOf(q.name);
      q.sysv_done = true;
    }
    uint32_t idx = d.sysv.buckets[q.sysv_hash % d.sysv.nbucket];
    for (uint32_t steps = 0; idx != 0 && idx < d.nsyms && steps < d.sysv.nchain; ++steps) {
      const Elf64_Sym* s = Consider(d, idx, q, &fallback, &done);
      if (done) return s;
      idx = d.sysv.chains[idx];
    }
    return fallback;
  }
  return nullptr;
}

}  // namespace vmi::bridge
