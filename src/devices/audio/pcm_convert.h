// Sample-format and channel conversion between a guest stream's format and
// the host's canonical format: interleaved stereo float in [-1, 1].
//
// Guest bytes are hostile: every decoded sample is clamped and NaN becomes
// 0, so garbage PCM can sound like noise but cannot poison the mixer, the
// resampler or the encoder. Channel mapping: mono is copied to both sides;
// with more than two channels the first two (front left/right in ALSA's
// default map) are kept. Towards the guest, stereo is averaged into mono and
// extra channels get silence.
//
// Threads: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>

#include "guest/audio/wire.h"

namespace vmi::audio {

// Decodes `frames` frames of `channels` x `format` into out[2 * frames].
void DecodeToStereo(SampleFormat format, uint8_t channels, const uint8_t* in, size_t frames,
                    float* out);
// Encodes stereo float in[2 * frames] into `frames` frames of the guest format.
void EncodeFromStereo(const float* in, size_t frames, SampleFormat format, uint8_t channels,
                      uint8_t* out);

}  // namespace vmi::audio
