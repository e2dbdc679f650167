// libFuzzer target for the host-side parser of the guest surface protocol
// (built with -DVMI_FUZZ=ON and clang). See protocol_fuzz_driver.h for the
// input format; fuzz_corpus/ holds seeds, replayed by the regular tests.
#include <cstddef>
#include <cstdint>

#include "devices/surface/protocol_fuzz_driver.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vmi::surface::FuzzGuestStream(data, size);
  return 0;
}
