// The bodies of the audio fuzz targets, shared by the libFuzzer entry points
// (*_fuzz.cc, built with -DVMI_FUZZ=ON) and fuzz_replay_test.cc, which
// replays known malformed inputs in the regular test suite. Each body
// aborts when it finds a bug (a failed invariant), like a fuzzer would.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vmi::audio {

// Control messages: parse; whatever parses must re-encode to the same bytes.
void FuzzWireParser(const uint8_t* data, size_t size);
// Microphone ingress: any bytes from a browser; memory stays bounded and
// the PCM handed to the guest stays finite.
void FuzzOpusIngress(const uint8_t* data, size_t size);

}  // namespace vmi::audio
