// Coverage of the NDK ABI: the embedded table parses, every symbol once
// covered on this architecture still resolves (abi/covered-<arch>.txt is the
// checked-in baseline written by `vmi-bridge abi --covered`), and the
// classification agrees with what the virtual libraries do.
#include <fstream>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "bridge/abi_coverage.h"
#include "bridge/virtual_library.h"

namespace vmi::bridge {
namespace {

TEST(AbiCoverage, EmbeddedTableParses) {
  auto table = ParseAbiTable(EmbeddedAbiTable());
  ASSERT_TRUE(table.ok()) << table.error().ToString();
  size_t visible = 0;
  std::set<std::string> libs;
  for (const AbiSymbol& s : *table) {
    visible += s.ndk_visible ? 1 : 0;
    libs.insert(s.library);
  }
  EXPECT_GT(visible, 1800u);
  EXPECT_EQ(libs, (std::set<std::string>{"libc", "libdl", "liblog", "libm", "libstdc++", "libz"}));
}

TEST(AbiCoverage, RejectsMalformedTable) {
  EXPECT_FALSE(ParseAbiTable("header\nlibc\tLIBC\tfoo\n").ok());
  EXPECT_FALSE(ParseAbiTable("header\nlibc\tLIBC\tfoo\tproc\t\t\tyes\n").ok());
  EXPECT_FALSE(ParseAbiTable("header only\n").ok());
}

TEST(AbiCoverage, ArchFilter) {
  AbiSymbol s;
  s.arches = "arm64,x86_64,riscv64";
  EXPECT_TRUE(s.OnArch("x86_64"));
  EXPECT_TRUE(s.OnArch("arm64"));
  EXPECT_FALSE(s.OnArch("x86"));
  s.arches = "";
  EXPECT_TRUE(s.OnArch("x86"));
}

TEST(AbiCoverage, NoOnceCoveredSymbolGoesMissing) {
  const std::string path = std::string(VMI_BRIDGE_ABI_DIR) + "/covered-" + HostAndroidArch() + ".txt";
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << "no baseline " << path << " (write it with `vmi-bridge abi --covered`)";
  std::string lib, sym;
  size_t n = 0;
  std::vector<std::string> lost;
  while (in >> lib >> sym) {
    ++n;
    if (Resolve(lib, sym.c_str()) == Resolution::kMissing) lost.push_back(lib + ":" + sym);
  }
  EXPECT_GT(n, 1000u);
  std::string joined;
  for (const std::string& s : lost) joined += " " + s;
  EXPECT_TRUE(lost.empty()) << lost.size() << " symbol(s) covered before are missing now:" << joined;
}

TEST(AbiCoverage, ClassificationMatchesVirtualLibraries) {
  EXPECT_EQ(Resolve("libc", "memcpy"), Resolution::kStraight);
  EXPECT_EQ(Resolve("libc", "sigaction"), Resolution::kHook);
  EXPECT_EQ(Resolve("libc", "fts_open"), Resolution::kHook);
  EXPECT_EQ(Resolve("libz", "_tr_init"), Resolution::kStraight);
  EXPECT_EQ(Resolve("libstdc++", "_Znwm"), Resolution::kHook);
  EXPECT_EQ(Resolve("libc", "no_such_symbol_anywhere"), Resolution::kMissing);
  auto table = ParseAbiTable(EmbeddedAbiTable());
  ASSERT_TRUE(table.ok());
  size_t total = 0;
  for (const LibraryCoverage& c : MeasureCoverage(*table)) total += c.total();
  EXPECT_GT(total, 1800u);
}

}  // namespace
}  // namespace vmi::bridge
