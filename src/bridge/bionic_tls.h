// bionic's stack guard on arm64: NDK code compiled with -fstack-protector
// reads the guard from TPIDR_EL0 + 0x28 (bionic TLS slot 5). Under glibc,
// TPIDR_EL0 points at the 16-byte TCB and static TLS follows it, so that
// word would be whatever TLS variable of the host lies there (it changes, and
// bridged code then dies in __stack_chk_fail). The bridge therefore needs the
// host executable to start its TLS block at TP+64 (a 64-byte aligned TLS
// variable in the executable, see BRIDGE_RESERVE_BIONIC_TLS in bridge.h): the
// bytes TP+16..TP+63 are then padding nobody else uses, and the bridge stores
// a per-process random guard at TP+0x28 for every thread that runs bridged
// code (the current thread when loading, threads started through the
// pthread_create hook). On x86_64 bionic and glibc both keep the guard at
// %fs:0x28 and nothing is needed.
#pragma once

#include <cstdint>

#include "base/result.h"

namespace vmi::bridge {

// aarch64: verifies the reservation and sets the guard slot of the calling
// thread; an error explains how to fix the host program. x86_64: Ok().
Result<void> PrepareThreadForBionic();

// The stack-guard value bionic code compares against (what bionic exports as
// __stack_chk_guard): glibc's %fs:0x28 word on x86_64, the bridge's guard on
// arm64.
uint64_t BionicStackGuard();

}  // namespace vmi::bridge
