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
// Sends bytes to vmi-modem's line socket (LineServer) as a device host
// would, once as they are and once after a hello for a line in a call;
// every reply must be one JSON object per line. Each input line is also
// read as the device host reads the network's events (line_wire.h).
void FuzzLineSocket(const uint8_t* data, size_t size);

}  // namespace vmi::telephony
