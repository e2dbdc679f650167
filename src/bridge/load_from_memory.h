// Runs the loader stages (headers, mapping, dynamic section, symbol
// resolution against the virtual libraries, relocation, RELRO) on an object
// held in memory, without running any of its code (no constructors, no IFUNC
// resolvers) and unmapping it afterwards. Used by the libFuzzer target and
// the malformed-input regression test: every input must end in Ok or a clear
// Error, never a crash, and leave no mapping behind.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/result.h"

namespace vmi::bridge {

// The memfd backing the object is named this (visible in /proc/self/maps).
inline constexpr const char* kMemoryObjectName = "vmi-bridge-memory-object";

Result<void> LoadFromMemory(const uint8_t* data, size_t size);

}  // namespace vmi::bridge
