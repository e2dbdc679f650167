#include "bridge/bionic_tls.h"

#if defined(__aarch64__)
#include <link.h>
#include <sys/auxv.h>

#include <cstring>
#endif

namespace vmi::bridge {

#if defined(__aarch64__)
namespace {

int FindExecutableTls(struct dl_phdr_info* info, size_t, void* data) {
  auto* align = static_cast<uint64_t*>(data);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    if (info->dlpi_phdr[i].p_type == PT_TLS) *align = info->dlpi_phdr[i].p_align;
  }
  return 1;  // the first object reported is the executable
}

uint64_t Guard() {
  static const uint64_t guard = [] {
    uint64_t g = 0;
    if (const void* r = reinterpret_cast<const void*>(getauxval(AT_RANDOM)); r != nullptr) memcpy(&g, r, sizeof(g));
    return g ^ 0x5642524944474521ull;  // not glibc's guard value, derived from the same randomness
  }();
  return guard;
}

}  // namespace

Result<void> PrepareThreadForBionic() {
  static const uint64_t exe_tls_align = [] {
    uint64_t a = 0;
    dl_iterate_phdr(FindExecutableTls, &a);
    return a;
  }();
  if (exe_tls_align < 64) {
    return Error(ErrorCode::kFailedPrecondition,
                 "arm64 bionic code keeps its stack guard at TPIDR_EL0+0x28, inside glibc's static TLS; "
                 "the host executable must reserve it (BRIDGE_RESERVE_BIONIC_TLS in bridge/bridge.h)");
  }
  uint64_t* tp;
  asm volatile("mrs %0, tpidr_el0" : "=r"(tp));
  tp[5] = Guard();
  return Ok();
}

uint64_t BionicStackGuard() { return Guard(); }

#else

Result<void> PrepareThreadForBionic() { return Ok(); }

uint64_t BionicStackGuard() {
  uint64_t g;
  asm("movq %%fs:0x28, %0" : "=r"(g));
  return g;
}

#endif

}  // namespace vmi::bridge
