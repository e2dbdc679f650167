// The bodies of the telephony fuzz targets, shared by the libFuzzer
// entry points (*_fuzz.cc) and the replay test.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vmi::telephony {

// Feeds bytes to a modem on a two-line network, as a guest would.
void FuzzAtModem(const uint8_t* data, size_t size);
// Decodes bytes as SMS-SUBMIT and SMS-DELIVER; re-encodes what decodes and
// checks the round trip keeps the text.
void FuzzSmsPdu(const uint8_t* data, size_t size);

}  // namespace vmi::telephony
