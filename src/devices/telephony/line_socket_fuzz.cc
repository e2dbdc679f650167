// libFuzzer target: see fuzz_bodies.h.
#include "devices/telephony/fuzz_bodies.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vmi::telephony::FuzzLineSocket(data, size);
  return 0;
}
