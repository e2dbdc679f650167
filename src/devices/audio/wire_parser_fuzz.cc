// libFuzzer target: the audio control-message parser (guest -> host bytes).
#include "devices/audio/fuzz_bodies.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vmi::audio::FuzzWireParser(data, size);
  return 0;
}
