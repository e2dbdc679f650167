// TestH264Decoder: decodes Annex-B H.264 with libavcodec back to BGRX, so
// tests can compare what a browser would see with what was encoded.
// Test-only; one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "base/result.h"

namespace vmi::video {

struct DecodedPicture {
  int width = 0, height = 0;
  std::vector<uint32_t> bgrx;  // width * height, 0xXXRRGGBB
  uint32_t At(int x, int y) const { return bgrx[static_cast<size_t>(y) * width + x]; }
};

class TestH264Decoder {
 public:
  static Result<std::unique_ptr<TestH264Decoder>> Create();
  ~TestH264Decoder();
  // Decodes one access unit; returns the picture it completes.
  Result<DecodedPicture> Decode(const std::vector<uint8_t>& access_unit);

 private:
  TestH264Decoder() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Largest per-channel difference between two 0xXXRRGGBB pixels.
int ColourDistance(uint32_t a, uint32_t b);

}  // namespace vmi::video
