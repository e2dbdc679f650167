// Replays malformed objects through LoadFromMemory (the fuzz target's entry
// point): truncated headers, overlapping segments, bogus dynamic entries,
// out-of-range relocations, hash tables pointing outside the file. Each must
// end in a clear error (or a clean load), never a crash, and leave no mapping.
#include <elf.h>

#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "base/file.h"
#include "bridge/load_from_memory.h"
#include "bridge/testing/test_objects.h"
#include "bridge/testing/test_sources.h"

namespace vmi::bridge {
namespace {

using Mutator = std::function<void(std::string&)>;

Elf64_Ehdr* Eh(std::string& b) { return reinterpret_cast<Elf64_Ehdr*>(b.data()); }
Elf64_Phdr* Ph(std::string& b) { return reinterpret_cast<Elf64_Phdr*>(b.data() + Eh(b)->e_phoff); }

Elf64_Phdr* FindPh(std::string& b, uint32_t type) {
  for (int i = 0; i < Eh(b)->e_phnum; ++i) {
    if (Ph(b)[i].p_type == type) return &Ph(b)[i];
  }
  return nullptr;
}

// The dynamic entry with `tag` (file offset of PT_DYNAMIC equals its address
// minus the segment's, which the test objects keep congruent).
Elf64_Dyn* FindDyn(std::string& b, int64_t tag) {
  Elf64_Phdr* d = FindPh(b, PT_DYNAMIC);
  if (d == nullptr) return nullptr;
  auto* dyn = reinterpret_cast<Elf64_Dyn*>(b.data() + d->p_offset);
  for (size_t i = 0; i < d->p_filesz / sizeof(Elf64_Dyn) && dyn[i].d_tag != DT_NULL; ++i) {
    if (dyn[i].d_tag == tag) return &dyn[i];
  }
  return nullptr;
}

uint64_t FileOffsetOf(std::string& b, uint64_t vaddr) {
  for (int i = 0; i < Eh(b)->e_phnum; ++i) {
    const Elf64_Phdr& p = Ph(b)[i];
    if (p.p_type == PT_LOAD && vaddr >= p.p_vaddr && vaddr < p.p_vaddr + p.p_filesz) return vaddr - p.p_vaddr + p.p_offset;
  }
  return 0;
}

void SetDyn(std::string& b, int64_t tag, uint64_t v) {
  if (Elf64_Dyn* d = FindDyn(b, tag); d != nullptr) d->d_un.d_val = v;
}

TEST(ElfMalformedTest, EveryMutationFailsCleanly) {
  testing::TestObjects t;
  ASSERT_TRUE(t.Build("libb.so", std::string(testing::kTraceHelpers) + testing::kLibB).ok());
  auto lib = t.Build("liba.so", std::string(testing::kTraceHelpers) + testing::kLibA, {"-Wl,--hash-style=both"},
                     {"libb.so"});
  ASSERT_TRUE(lib.ok()) << lib.error().ToString();
  const std::string good = *ReadFile(*lib);
  // The pristine object resolves everything except libb's symbols (only
  // virtual libraries are consulted here), so it fails with a clear message.
  auto base = LoadFromMemory(reinterpret_cast<const uint8_t*>(good.data()), good.size());
  ASSERT_FALSE(base.ok());
  EXPECT_NE(base.error().ToString().find("unresolved"), std::string::npos) << base.error().ToString();

  const std::vector<std::pair<std::string, Mutator>> cases = {
      {"empty", [](std::string& b) { b.clear(); }},
      {"truncated ELF header", [](std::string& b) { b.resize(40); }},
      {"truncated program headers", [](std::string& b) { b.resize(Eh(b)->e_phoff + 20); }},
      {"truncated segments", [](std::string& b) { b.resize(b.size() / 3); }},
      {"phnum huge", [](std::string& b) { Eh(b)->e_phnum = 0xffff; }},
      {"phoff outside", [](std::string& b) { Eh(b)->e_phoff = 1ull << 40; }},
      {"overlapping segments", [](std::string& b) {
         Elf64_Phdr* first = nullptr;
         for (int i = 0; i < Eh(b)->e_phnum; ++i) {
           if (Ph(b)[i].p_type != PT_LOAD) continue;
           if (first == nullptr) first = &Ph(b)[i]; else { Ph(b)[i].p_vaddr = first->p_vaddr + 16; Ph(b)[i].p_offset = first->p_offset + 16; break; }
         }
       }},
      {"filesz > memsz", [](std::string& b) { FindPh(b, PT_LOAD)->p_filesz = FindPh(b, PT_LOAD)->p_memsz + 1; }},
      {"segment past EOF", [](std::string& b) { FindPh(b, PT_LOAD)->p_filesz = b.size() * 2; FindPh(b, PT_LOAD)->p_memsz = b.size() * 2; }},
      {"huge memsz", [](std::string& b) { FindPh(b, PT_LOAD)->p_memsz = 1ull << 45; }},
      {"no dynamic", [](std::string& b) { FindPh(b, PT_DYNAMIC)->p_type = PT_NULL; }},
      {"dynamic outside image", [](std::string& b) { FindPh(b, PT_DYNAMIC)->p_vaddr = 1ull << 40; }},
      {"dynamic without DT_NULL", [](std::string& b) {
         Elf64_Phdr* d = FindPh(b, PT_DYNAMIC);
         auto* dyn = reinterpret_cast<Elf64_Dyn*>(b.data() + d->p_offset);
         for (size_t i = 0; i < d->p_filesz / sizeof(Elf64_Dyn); ++i) if (dyn[i].d_tag == DT_NULL) dyn[i].d_tag = DT_DEBUG;
       }},
      {"strtab outside", [](std::string& b) { SetDyn(b, DT_STRTAB, 1ull << 40); }},
      {"strsz huge", [](std::string& b) { SetDyn(b, DT_STRSZ, 1ull << 40); }},
      {"symtab outside", [](std::string& b) { SetDyn(b, DT_SYMTAB, 0x7ffffff0); }},
      {"gnu hash outside", [](std::string& b) { SetDyn(b, DT_GNU_HASH, 0xfffffff0); }},
      {"sysv hash outside", [](std::string& b) { SetDyn(b, DT_HASH, 0xfffffff0); }},
      {"sysv nchain huge", [](std::string& b) {
         uint64_t off = FileOffsetOf(b, FindDyn(b, DT_HASH)->d_un.d_val);
         reinterpret_cast<uint32_t*>(b.data() + off)[1] = 0x7fffffff;
       }},
      {"gnu bloom size not power of two", [](std::string& b) {
         uint64_t off = FileOffsetOf(b, FindDyn(b, DT_GNU_HASH)->d_un.d_val);
         reinterpret_cast<uint32_t*>(b.data() + off)[2] = 3;
       }},
      {"gnu buckets point past chains", [](std::string& b) {
         uint64_t off = FileOffsetOf(b, FindDyn(b, DT_GNU_HASH)->d_un.d_val);
         auto* h = reinterpret_cast<uint32_t*>(b.data() + off);
         uint32_t* buckets = h + 4 + 2 * h[2];
         buckets[0] = 0x7ffffff0;
       }},
      {"rela outside", [](std::string& b) { SetDyn(b, DT_RELA, 1ull << 40); }},
      {"relasz huge", [](std::string& b) { SetDyn(b, DT_RELASZ, 1ull << 40); }},
      {"relocation offset out of range", [](std::string& b) {
         uint64_t off = FileOffsetOf(b, FindDyn(b, DT_RELA)->d_un.d_val);
         reinterpret_cast<Elf64_Rela*>(b.data() + off)[0].r_offset = 0xdeadbeef000;
       }},
      {"relocation into text", [](std::string& b) {
         uint64_t off = FileOffsetOf(b, FindDyn(b, DT_RELA)->d_un.d_val);
         reinterpret_cast<Elf64_Rela*>(b.data() + off)[0].r_offset = 0x10;
       }},
      {"relocation symbol out of range", [](std::string& b) {
         uint64_t off = FileOffsetOf(b, FindDyn(b, DT_JMPREL)->d_un.d_val);
         auto& r = reinterpret_cast<Elf64_Rela*>(b.data() + off)[0];
         r.r_info = ELF64_R_INFO(0xffffff, R_X86_64_JUMP_SLOT);
       }},
      {"unknown relocation type", [](std::string& b) {
         uint64_t off = FileOffsetOf(b, FindDyn(b, DT_RELA)->d_un.d_val);
         auto& r = reinterpret_cast<Elf64_Rela*>(b.data() + off)[0];
         r.r_info = ELF64_R_INFO(0, 42);
       }},
      {"needed name outside strtab", [](std::string& b) { SetDyn(b, DT_NEEDED, 1ull << 40); }},
      {"init array outside", [](std::string& b) { SetDyn(b, DT_INIT_ARRAY, 1ull << 40); }},
      {"verneed outside", [](std::string& b) { SetDyn(b, DT_VERNEED, 1ull << 40); }},
      {"textrel", [](std::string& b) { SetDyn(b, DT_DEBUG, 0); if (auto* d = FindDyn(b, DT_DEBUG)) d->d_tag = DT_TEXTREL; else SetDyn(b, DT_FLAGS, DF_TEXTREL); }},
  };
  for (const auto& [name, mutate] : cases) {
    std::string b = good;
    mutate(b);
    auto r = LoadFromMemory(reinterpret_cast<const uint8_t*>(b.data()), b.size());
    EXPECT_FALSE(r.ok()) << name << " loaded";
    if (!r.ok()) {
      EXPECT_FALSE(r.error().ToString().empty()) << name;
    }
    EXPECT_EQ(testing::ReadMaps().find(kMemoryObjectName), std::string::npos) << name << ": mapping left behind";
  }
  // Random byte flips over the headers and dynamic section: never a crash.
  uint32_t seed = 12345;
  for (int i = 0; i < 300; ++i) {
    std::string b = good;
    for (int k = 0; k < 4; ++k) {
      seed = seed * 1103515245 + 12345;
      size_t pos = (seed >> 8) % std::min<size_t>(b.size(), 0x4000);
      b[pos] = static_cast<char>(seed >> 24);
    }
    (void)LoadFromMemory(reinterpret_cast<const uint8_t*>(b.data()), b.size());
  }
  EXPECT_EQ(testing::ReadMaps().find(kMemoryObjectName), std::string::npos);
}

}  // namespace
}  // namespace vmi::bridge
