// Symbol lookup in one object's dynamic symbol table through its GNU hash
// (preferred) or SysV hash table, with symbol versions matched by name.
// Pure functions over a validated DynamicInfo; thread-safe.
#pragma once

#include <elf.h>

#include <cstdint>

#include "bridge/dynamic_info.h"

namespace vmi::bridge {

uint32_t GnuHashOf(const char* name);
uint32_t SysvHashOf(const char* name);

struct SymbolQuery {
  explicit SymbolQuery(const char* n, const char* v = nullptr) : name(n), version(v), gnu_hash(GnuHashOf(n)) {}
  const char* name;
  // Version name the importer asked for ("LIBC"), or nullptr. Versions that
  // glibc does not define are never required: a definition with another or
  // no version still matches when it is the default one.
  const char* version;
  uint32_t gnu_hash;
  mutable uint32_t sysv_hash = 0;
  mutable bool sysv_done = false;
};

// A global or weak definition of the query in `d`, or nullptr.
const Elf64_Sym* FindDefinition(const DynamicInfo& d, const SymbolQuery& q);

// True when `s` defines something (not undefined, not local, not TLS).
bool IsDefinition(const Elf64_Sym& s);

}  // namespace vmi::bridge
