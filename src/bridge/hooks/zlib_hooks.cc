// libz.so: the host's zlib. With Debian's static libz.a available (the
// normal case) every symbol comes from the copy linked into the bridge
// (abi/zlib_table.cc.in explains why); otherwise from libz.so.1 by name,
// which lacks zlib's internal _tr_* helpers.
#include "bridge/hooks/hooks.h"

namespace vmi::bridge::hooks {

#if defined(VMI_BRIDGE_STATIC_ZLIB)
extern const HookEntry kZlibSymbols[];
extern const size_t kZlibSymbolCount;
void RegisterLibz(VirtualLibrary& lib) { lib.AddStraight(kZlibSymbols, kZlibSymbolCount); }
#else
void RegisterLibz(VirtualLibrary&) {}
#endif

}  // namespace vmi::bridge::hooks
