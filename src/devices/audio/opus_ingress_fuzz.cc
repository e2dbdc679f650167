// libFuzzer target: microphone Opus packets from a browser.
#include "devices/audio/fuzz_bodies.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vmi::audio::FuzzOpusIngress(data, size);
  return 0;
}
