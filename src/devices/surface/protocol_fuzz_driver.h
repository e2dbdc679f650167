// The body of the surface protocol fuzz target, shared by the libFuzzer
// binary (surface_protocol_fuzz.cc, -DVMI_FUZZ=ON) and the regression replay
// in the regular test suite (surface_protocol_fuzz_test.cc).
//
// Input: a sequence of datagrams, each prefixed by its length (u16 LE). Each
// datagram goes through the parser, a GuestSession and a FrameState exactly
// as the server would feed them; add_buffer messages come with a small sealed
// memfd. A parsed message must re-encode to the same bytes; any violated
// invariant aborts.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vmi::surface {

// Returns the number of datagrams accepted before the session failed.
size_t FuzzGuestStream(const uint8_t* data, size_t size);

}  // namespace vmi::surface
