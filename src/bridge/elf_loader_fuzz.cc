// libFuzzer target over the ELF loader stages (LoadFromMemory): any input
// must produce Ok or an Error, never a crash, and leave no mapping.
#include <cstddef>
#include <cstdint>

#include "bridge/load_from_memory.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)vmi::bridge::LoadFromMemory(data, size);
  return 0;
}
