// Unit tests per loader stage (ElfFile, LoadedImage, DynamicInfo, symbol
// lookup) on small bionic-style objects built by the test.
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <set>

#include <gtest/gtest.h>

#include "base/file.h"
#include "base/unique_fd.h"
#include "bridge/dynamic_info.h"
#include "bridge/elf_file.h"
#include "bridge/loaded_image.h"
#include "bridge/symbol_lookup.h"
#include "bridge/testing/test_objects.h"
#include "bridge/testing/test_sources.h"

namespace vmi::bridge {
namespace {

using testing::TestObjects;

std::string LibB() { return std::string(testing::kTraceHelpers) + testing::kLibB; }

struct Loaded {
  ElfFile elf;
  LoadedImage image;
  DynamicInfo dyn;
};

Result<Loaded> LoadStages(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::FromErrno("open");
  ElfFile elf = VMI_TRY(ElfFile::Read(fd.get(), path));
  LoadedImage image = VMI_TRY(LoadedImage::Map(elf, fd.get()));
  DynamicInfo dyn = VMI_TRY(ParseDynamic(image, elf.phdrs()));
  return Loaded{std::move(elf), std::move(image), std::move(dyn)};
}

TEST(HashTest, KnownValues) {
  EXPECT_EQ(GnuHashOf(""), 5381u);
  EXPECT_EQ(GnuHashOf("a"), 5381u * 33 + 'a');
  EXPECT_EQ(SysvHashOf(""), 0u);
  EXPECT_EQ(SysvHashOf("printf"), 0x077905a6u);  // the classic ELF hash example
}

TEST(ElfFileTest, AcceptsSharedObjectAndReportsBounds) {
  TestObjects t;
  auto lib = t.Build("libb.so", LibB());
  ASSERT_TRUE(lib.ok()) << lib.error().ToString();
  UniqueFd fd(open(lib->c_str(), O_RDONLY | O_CLOEXEC));
  auto elf = ElfFile::Read(fd.get(), *lib);
  ASSERT_TRUE(elf.ok()) << elf.error().ToString();
  EXPECT_EQ(elf->header().e_type, ET_DYN);
  EXPECT_FALSE(elf->has_interp());
  EXPECT_EQ(elf->min_vaddr() % PageSize(), 0u);
  EXPECT_GT(elf->max_vaddr(), elf->min_vaddr());
}

TEST(ElfFileTest, RejectsNonElfTruncatedAndWrongType) {
  TestObjects t;
  auto lib = t.Build("libb.so", LibB());
  ASSERT_TRUE(lib.ok());
  std::string bytes = *ReadFile(*lib);
  auto try_bytes = [&](const std::string& data) {
    std::string p = t.dir() + "/case";
    EXPECT_TRUE(WriteFile(p, data).ok());
    UniqueFd fd(open(p.c_str(), O_RDONLY | O_CLOEXEC));
    auto r = ElfFile::Read(fd.get(), p);
    return r.ok() ? std::string("ok") : r.error().ToString();
  };
  EXPECT_NE(try_bytes("hello").find("too small"), std::string::npos);
  std::string bad_magic = bytes;
  bad_magic[1] = 'X';
  EXPECT_NE(try_bytes(bad_magic).find("bad magic"), std::string::npos);
  std::string exec = bytes;
  reinterpret_cast<Elf64_Ehdr*>(exec.data())->e_type = ET_EXEC;
  EXPECT_NE(try_bytes(exec).find("ET_EXEC"), std::string::npos);
  std::string arm = bytes;
  reinterpret_cast<Elf64_Ehdr*>(arm.data())->e_machine = EM_ARM;
  EXPECT_NE(try_bytes(arm).find("built for"), std::string::npos);
  EXPECT_NE(try_bytes(bytes.substr(0, 100)).find("outside the file"), std::string::npos);
  // Two PT_LOADs made to overlap.
  std::string overlap = bytes;
  auto* eh = reinterpret_cast<Elf64_Ehdr*>(overlap.data());
  auto* ph = reinterpret_cast<Elf64_Phdr*>(overlap.data() + eh->e_phoff);
  int first = -1;
  for (int i = 0; i < eh->e_phnum; ++i) {
    if (ph[i].p_type != PT_LOAD) continue;
    if (first < 0) {
      first = i;
    } else {
      ph[i].p_vaddr = ph[first].p_vaddr;
      ph[i].p_offset = ph[first].p_offset;
      break;
    }
  }
  EXPECT_NE(try_bytes(overlap).find("overlap"), std::string::npos);
}

TEST(LoadedImageTest, MapsWithProtectionsZeroesBssAndUnmaps) {
  TestObjects t;
  auto lib = t.Build("libbss.so", "char big[100000]; int data = 5; int f(void) { return big[99999] + data; }");
  ASSERT_TRUE(lib.ok()) << lib.error().ToString();
  uintptr_t start = 0;
  {
    auto l = LoadStages(*lib);
    ASSERT_TRUE(l.ok()) << l.error().ToString();
    start = l->image.start();
    // Find `big` and check it is zero and writable; text is not writable.
    const Elf64_Sym* big = FindDefinition(l->dyn, SymbolQuery("big"));
    ASSERT_NE(big, nullptr);
    auto* p = static_cast<char*>(l->image.Writable(big->st_value, 100000));
    ASSERT_NE(p, nullptr);
    for (int i = 0; i < 100000; i += 997) ASSERT_EQ(p[i], 0);
    const Elf64_Sym* f = FindDefinition(l->dyn, SymbolQuery("f"));
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(l->image.Writable(f->st_value, 1), nullptr);
    // Protections as /proc/self/maps shows them for the image's range.
    std::set<std::string> perms;
    for (const std::string& line : Split(testing::ReadMaps(), '\n')) {
      unsigned long lo = 0, hi = 0;
      char p[5] = {};
      if (sscanf(line.c_str(), "%lx-%lx %4s", &lo, &hi, p) != 3) continue;
      if (lo >= start && hi <= start + l->image.size()) perms.insert(p);
    }
    EXPECT_TRUE(perms.count("r-xp")) << "text segment";
    EXPECT_TRUE(perms.count("rw-p")) << "data segment";
    EXPECT_FALSE(perms.count("rwxp")) << "no writable code";
  }
  char needle[32];
  snprintf(needle, sizeof(needle), "%lx-", static_cast<unsigned long>(start));
  EXPECT_EQ(testing::ReadMaps().find(needle), std::string::npos) << "image still mapped after destruction";
}

TEST(DynamicInfoTest, ParsesNeededSonameVersionsAndBothHashes) {
  TestObjects t;
  ASSERT_TRUE(t.Build("libb.so", LibB(), {"-Wl,--hash-style=both"}).ok());
  auto lib = t.Build("liba.so", std::string(testing::kTraceHelpers) + testing::kLibA, {"-Wl,--hash-style=both"},
                     {"libb.so"});
  ASSERT_TRUE(lib.ok()) << lib.error().ToString();
  auto l = LoadStages(*lib);
  ASSERT_TRUE(l.ok()) << l.error().ToString();
  ASSERT_NE(l->dyn.soname, nullptr);
  EXPECT_STREQ(l->dyn.soname, "liba.so");
  std::vector<std::string> needed(l->dyn.needed.begin(), l->dyn.needed.end());
  EXPECT_EQ(needed, (std::vector<std::string>{"libb.so", "libc.so"}));
  EXPECT_TRUE(l->dyn.has_gnu_hash);
  EXPECT_TRUE(l->dyn.has_sysv_hash);
  EXPECT_GT(l->dyn.nsyms, 5u);
  EXPECT_GT(l->dyn.rela_count, 100u);  // the `many` pointer table
  EXPECT_GT(l->dyn.init_array_count, 0u);
  // Imports from libc carry bionic's version name.
  bool saw_libc_version = false;
  for (const char* v : l->dyn.version_names) saw_libc_version |= v != nullptr && strcmp(v, "LIBC") == 0;
  EXPECT_TRUE(saw_libc_version);
  // GNU and SysV lookups agree for every defined symbol.
  DynamicInfo sysv_only = l->dyn;
  sysv_only.has_gnu_hash = false;
  int defined = 0;
  for (uint32_t i = 1; i < l->dyn.nsyms; ++i) {
    const Elf64_Sym& s = l->dyn.symtab[i];
    if (!IsDefinition(s)) continue;
    ++defined;
    const char* name = l->dyn.SymbolName(s);
    EXPECT_EQ(FindDefinition(l->dyn, SymbolQuery(name)), &s) << name;
    EXPECT_EQ(FindDefinition(sysv_only, SymbolQuery(name)), &s) << name;
  }
  EXPECT_GE(defined, 6);
  EXPECT_EQ(FindDefinition(l->dyn, SymbolQuery("strlen")), nullptr);  // an import, not a definition
  EXPECT_EQ(FindDefinition(l->dyn, SymbolQuery("no_such_symbol")), nullptr);
}

}  // namespace
}  // namespace vmi::bridge
