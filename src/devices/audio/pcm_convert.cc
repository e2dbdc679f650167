#include "devices/audio/pcm_convert.h"

#include <cmath>
#include <cstring>

namespace vmi::audio {
namespace {

float Sanitize(float x) {
  if (!(x == x)) return 0.0f;  // NaN
  return x > 1.0f ? 1.0f : (x < -1.0f ? -1.0f : x);
}

uint32_t Le32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
void PutLe32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = (v >> (8 * i)) & 0xff;
}

float Sample(SampleFormat f, const uint8_t* p) {
  switch (f) {
    case SampleFormat::kU8:
      return (static_cast<int>(p[0]) - 128) / 128.0f;
    case SampleFormat::kS16LE:
      return static_cast<int16_t>(uint16_t{p[0]} | uint16_t(p[1] << 8)) / 32768.0f;
    case SampleFormat::kS24LE: {
      int32_t v = static_cast<int32_t>(Le32(p) << 8) >> 8;  // sign-extend bit 23
      return v / 8388608.0f;
    }
    case SampleFormat::kS32LE:
      return static_cast<int32_t>(Le32(p)) / 2147483648.0f;
    case SampleFormat::kFloatLE: {
      uint32_t bits = Le32(p);
      float v;
      std::memcpy(&v, &bits, 4);
      return Sanitize(v);
    }
  }
  return 0.0f;
}

void PutSample(SampleFormat f, float x, uint8_t* p) {
  x = Sanitize(x);
  switch (f) {
    case SampleFormat::kU8:
      p[0] = static_cast<uint8_t>(std::lrintf(x * 127.0f) + 128);
      return;
    case SampleFormat::kS16LE: {
      auto v = static_cast<uint16_t>(static_cast<int16_t>(std::lrintf(x * 32767.0f)));
      p[0] = v & 0xff;
      p[1] = v >> 8;
      return;
    }
    case SampleFormat::kS24LE:
      PutLe32(p,
              static_cast<uint32_t>(static_cast<int32_t>(std::lrintf(x * 8388607.0f))) & 0xffffff);
      return;
    case SampleFormat::kS32LE:
      PutLe32(p, static_cast<uint32_t>(static_cast<int32_t>(std::llrint(x * 2147483647.0))));
      return;
    case SampleFormat::kFloatLE: {
      uint32_t bits;
      std::memcpy(&bits, &x, 4);
      PutLe32(p, bits);
      return;
    }
  }
}

}  // namespace

void DecodeToStereo(SampleFormat format, uint8_t channels, const uint8_t* in, size_t frames,
                    float* out) {
  const size_t sb = SampleBytes(format);
  for (size_t i = 0; i < frames; ++i) {
    const uint8_t* f = in + i * sb * channels;
    float l = Sanitize(Sample(format, f));
    float r = channels > 1 ? Sanitize(Sample(format, f + sb)) : l;
    out[2 * i] = l;
    out[2 * i + 1] = r;
  }
}

void EncodeFromStereo(const float* in, size_t frames, SampleFormat format, uint8_t channels,
                      uint8_t* out) {
  const size_t sb = SampleBytes(format);
  for (size_t i = 0; i < frames; ++i) {
    uint8_t* f = out + i * sb * channels;
    float l = in[2 * i], r = in[2 * i + 1];
    if (channels == 1) {
      PutSample(format, 0.5f * (l + r), f);
      continue;
    }
    PutSample(format, l, f);
    PutSample(format, r, f + sb);
    for (uint8_t c = 2; c < channels; ++c) PutSample(format, 0.0f, f + c * sb);
  }
}

}  // namespace vmi::audio
