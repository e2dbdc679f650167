// ABI coverage: which NDK-visible symbols of Android's system libraries the
// virtual libraries resolve, and how. The symbol list is bionic's own
// (abi/bionic-symbols.tsv: libc, libm, libdl, libstdc++, liblog, libz for
// 64-bit targets, from bionic's version scripts), embedded at build time so
// `vmi-bridge abi` needs no file. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vmi::bridge {

struct AbiSymbol {
  std::string library;  // "libc", "libm", ... (without ".so")
  std::string version;  // "LIBC", "LIBC_N", ...
  std::string name;
  bool is_var = false;
  std::string arches;  // empty = every architecture, else "arm64,x86_64,..."
  bool ndk_visible = false;

  bool OnArch(std::string_view arch) const;
};

// Parses the TSV (header line first; 7 tab-separated columns).
Result<std::vector<AbiSymbol>> ParseAbiTable(std::string_view tsv);
// The table compiled into the binary.
std::string_view EmbeddedAbiTable();
// "x86_64" or "arm64": the Android ABI name of this build.
const char* HostAndroidArch();

enum class Resolution { kStraight, kHook, kMissing };

struct LibraryCoverage {
  std::string library;
  size_t straight = 0;
  size_t hooked = 0;
  std::vector<std::string> missing;
  size_t total() const { return straight + hooked + missing.size(); }
};

// How the bridge resolves `symbol` of `library` ("libc", ...) right now.
Resolution Resolve(std::string_view library, const char* symbol);
// Coverage of the NDK-visible symbols of `table` on this build's architecture,
// one entry per library in table order.
std::vector<LibraryCoverage> MeasureCoverage(const std::vector<AbiSymbol>& table);

}  // namespace vmi::bridge
