// vmi-bridge: command-line front end of LibBridge.
//
//   vmi-bridge [--path DIRS] [--properties FILE] needs LIB
//       what LIB needs (DT_NEEDED) and every import nothing provides
//   vmi-bridge [...] run EXE [ARGS...]
//       runs a bionic PIE executable; exits with its status
//   vmi-bridge [...] call [--ret int|str|double|void] LIB SYMBOL [ARGS...]
//       calls a C function; integer-looking ARGS pass as integers, others as strings
//   vmi-bridge hooks
//       lists the hooked symbols of the virtual libraries
//   vmi-bridge abi [--missing] [--markdown] [--covered]
//       NDK ABI coverage per library: straight to glibc / through a hook / missing
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bridge/abi_coverage.h"
#include "bridge/linker.h"
#include "bridge/properties.h"
#include "bridge/run_executable.h"
#include "bridge/virtual_library.h"

#include "bridge/bridge.h"

namespace vb = vmi::bridge;

// Leaves bionic's arm64 stack-guard slot (TPIDR_EL0+0x28) to the bridge.
BRIDGE_RESERVE_BIONIC_TLS();

namespace {

int Usage() {
  fprintf(stderr,
          "usage: vmi-bridge [--path DIRS] [--properties FILE] COMMAND ...\n"
          "  needs LIB                         list what LIB needs and what is missing\n"
          "  run EXE [ARGS...]                 run a bionic PIE executable\n"
          "  call [--ret int|str|double|void] LIB SYMBOL [ARGS...]\n"
          "                                    call a C function (up to 6 integer/string args)\n"
          "  hooks                             list the hooked symbols\n"
          "  abi [--missing] [--markdown] [--covered]\n"
          "                                    NDK ABI coverage: straight / hook / missing per library\n");
  return 2;
}

bool ParseInt(const char* s, long* out) {
  char* end = nullptr;
  errno = 0;
  long v = strtol(s, &end, 0);
  if (errno != 0 || end == s || *end != 0) return false;
  *out = v;
  return true;
}

int Needs(const std::string& lib) {
  auto r = vb::Linker::Instance().Inspect(lib);
  if (!r.ok()) {
    fprintf(stderr, "vmi-bridge: %s\n", r.error().ToString().c_str());
    return 1;
  }
  printf("needs:");
  for (const std::string& n : r->needed) printf(" %s", n.c_str());
  printf("\n");
  for (const std::string& n : r->unresolved_libraries) printf("missing library: %s\n", n.c_str());
  for (const std::string& s : r->missing_symbols) printf("missing symbol: %s\n", s.c_str());
  if (r->unresolved_libraries.empty() && r->missing_symbols.empty()) printf("all imports resolved\n");
  return r->unresolved_libraries.empty() && r->missing_symbols.empty() ? 0 : 1;
}

int Call(std::vector<std::string> args) {
  std::string ret = "int";
  if (args.size() >= 2 && args[0] == "--ret") {
    ret = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
  if (args.size() < 2 || args.size() > 8) return Usage();
  auto so = vb::Linker::Instance().Open(args[0]);
  if (!so.ok()) {
    fprintf(stderr, "vmi-bridge: %s\n", so.error().ToString().c_str());
    return 1;
  }
  uintptr_t fn = vb::Linker::Instance().Symbol(*so, args[1].c_str());
  if (fn == 0) {
    fprintf(stderr, "vmi-bridge: %s: undefined symbol %s\n", args[0].c_str(), args[1].c_str());
    return 1;
  }
  long a[6] = {0, 0, 0, 0, 0, 0};
  for (size_t i = 2; i < args.size(); ++i) {
    if (!ParseInt(args[i].c_str(), &a[i - 2])) a[i - 2] = reinterpret_cast<long>(args[i].c_str());
  }
  if (ret == "double") {
    auto f = reinterpret_cast<double (*)(long, long, long, long, long, long)>(fn);
    printf("%.17g\n", f(a[0], a[1], a[2], a[3], a[4], a[5]));
    return 0;
  }
  auto f = reinterpret_cast<long (*)(long, long, long, long, long, long)>(fn);
  long v = f(a[0], a[1], a[2], a[3], a[4], a[5]);
  if (ret == "str") {
    printf("%s\n", v == 0 ? "(null)" : reinterpret_cast<const char*>(v));
  } else if (ret == "int") {
    printf("%ld\n", v);
  }
  return 0;
}

int Hooks() {
  for (const vb::VirtualLibrary* lib : vb::AllVirtualLibraries()) {
    std::vector<std::string> names = lib->HookNames();
    std::sort(names.begin(), names.end());
    printf("%s (%zu hooks):", lib->name().c_str(), names.size());
    for (const std::string& n : names) printf(" %s", n.c_str());
    printf("\n");
  }
  return 0;
}

// Prints the coverage table of the NDK-visible symbols of bionic's system
// libraries on this build's architecture. --covered prints "library symbol"
// for every resolved symbol instead (the baseline format of abi_test).
int Abi(const std::vector<std::string>& opts) {
  bool missing = false, markdown = false, covered = false;
  for (const std::string& o : opts) {
    if (o == "--missing") missing = true;
    else if (o == "--markdown") markdown = true;
    else if (o == "--covered") covered = true;
    else return Usage();
  }
  auto table = vb::ParseAbiTable(vb::EmbeddedAbiTable());
  if (!table.ok()) {
    fprintf(stderr, "vmi-bridge: %s\n", table.error().ToString().c_str());
    return 1;
  }
  if (covered) {
    for (const vb::AbiSymbol& s : *table) {
      if (s.ndk_visible && s.OnArch(vb::HostAndroidArch()) &&
          vb::Resolve(s.library, s.name.c_str()) != vb::Resolution::kMissing) {
        printf("%s %s\n", s.library.c_str(), s.name.c_str());
      }
    }
    return 0;
  }
  std::vector<vb::LibraryCoverage> cov = vb::MeasureCoverage(*table);
  const char* arch = vb::HostAndroidArch();
  if (markdown) {
    printf("| library | arch | NDK symbols | straight to host | through a hook | missing | covered |\n");
    printf("|---|---|---:|---:|---:|---:|---:|\n");
  } else {
    printf("%-10s %-7s %6s %9s %6s %8s %9s\n", "library", "arch", "total", "straight", "hook", "missing", "covered");
  }
  size_t all = 0, all_missing = 0;
  for (const vb::LibraryCoverage& c : cov) {
    double pct = c.total() == 0 ? 100.0 : 100.0 * static_cast<double>(c.total() - c.missing.size()) / c.total();
    all += c.total();
    all_missing += c.missing.size();
    if (markdown) {
      printf("| %s.so | %s | %zu | %zu | %zu | %zu | %.1f %% |\n", c.library.c_str(), arch, c.total(), c.straight,
             c.hooked, c.missing.size(), pct);
    } else {
      printf("%-10s %-7s %6zu %9zu %6zu %8zu %8.1f%%\n", (c.library + ".so").c_str(), arch, c.total(), c.straight,
             c.hooked, c.missing.size(), pct);
    }
  }
  if (missing) {
    for (const vb::LibraryCoverage& c : cov) {
      if (c.missing.empty()) continue;
      printf("%smissing in %s.so (%zu):", markdown ? "\n" : "", c.library.c_str(), c.missing.size());
      for (const std::string& n : c.missing) printf(" %s", n.c_str());
      printf("\n");
    }
  }
  return all_missing == 0 && all > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  size_t i = 0;
  while (i < args.size() && args[i].rfind("--", 0) == 0) {
    if (args[i] == "--path" && i + 1 < args.size()) {
      vb::Linker::Instance().SetSearchPath(args[i + 1]);
      i += 2;
    } else if (args[i] == "--properties" && i + 1 < args.size()) {
      auto r = vb::PropertyStore::Instance().Load(args[i + 1]);
      if (!r.ok()) {
        fprintf(stderr, "vmi-bridge: %s\n", r.error().ToString().c_str());
        return 1;
      }
      i += 2;
    } else {
      return Usage();
    }
  }
  if (i >= args.size()) return Usage();
  const std::string cmd = args[i++];
  std::vector<std::string> rest(args.begin() + static_cast<long>(i), args.end());
  if (cmd == "needs" && rest.size() == 1) return Needs(rest[0]);
  if (cmd == "call") return Call(rest);
  if (cmd == "hooks") return Hooks();
  if (cmd == "abi") return Abi(rest);
  if (cmd == "run" && !rest.empty()) {
    auto r = vb::RunExecutable(rest[0], rest);
    fprintf(stderr, "vmi-bridge: %s\n", r.ok() ? "executable returned" : r.error().ToString().c_str());
    return 127;
  }
  return Usage();
}
