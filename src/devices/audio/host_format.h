// The host's canonical audio format and clock step, shared by the hub, the
// streams, the devices, the Opus packetizer and the mix listeners.
//
// Every stream is converted to 48 kHz stereo float, and the hub's clock moves
// every ring by one block per step. The block is 5 ms: a sample waits for
// its block to close before it is mixed and encoded, so the block is
// latency every listener hears (docs/audio.md, "Where the time goes"). Each
// block becomes one Opus packet of the same length (kOpusFrameFrames), so
// nothing waits in the encoder either.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vmi::audio {

inline constexpr uint32_t kHostRate = 48000;
inline constexpr size_t kBlockFrames = 240;  // 5 ms
inline constexpr int64_t kBlockUs = int64_t{kBlockFrames} * 1000000 / kHostRate;
inline constexpr size_t kOpusFrameFrames = kBlockFrames;

static_assert(int64_t{kBlockFrames} * 1000000 % kHostRate == 0, "a block is whole microseconds");
// Opus frames are 2.5, 5, 10, 20, 40 or 60 ms.
static_assert(kOpusFrameFrames == 120 || kOpusFrameFrames == 240 || kOpusFrameFrames == 480 ||
              kOpusFrameFrames == 960);

}  // namespace vmi::audio
