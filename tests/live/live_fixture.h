// Shared helpers of the live-view integration tests: pictures (decoded from
// PNG/JPEG/H.264, or read from the guest framebuffer with the display
// library), comparisons, and the HTTP API over the daemon's Unix socket.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/http/client.h"
#include "base/result.h"

namespace vmi::testing {

struct Picture {
  int width = 0, height = 0;
  std::vector<uint32_t> px;  // 0x00RRGGBB, row-major
  uint32_t At(int x, int y) const { return px[static_cast<size_t>(y) * width + x] & 0xffffff; }
};

Result<Picture> PictureFromPng(const std::string& png);
Result<Picture> PictureFromJpeg(const std::string& jpeg);
// The visible screen of the guest X server, read from <devdir>/Xvfb_screen0
// (XwdFrameSource, following the RandR size through <devdir>/x11/X0).
Result<Picture> Framebuffer(const std::string& devdir);

struct PictureDiff {
  double mean = 0;            // mean absolute difference per channel
  double close_fraction = 0;  // pixels whose every channel is within the tolerance
};
// Both pictures must have the same size (else mean = 255).
PictureDiff Compare(const Picture& a, const Picture& b, int tolerance);
size_t DistinctColours(const Picture& p);

// GET/POST on the daemon's API (Unix socket).
Result<api::ClientResponse> Http(const std::string& socket, const std::string& method,
                                 const std::string& target, const std::string& body = "");

}  // namespace vmi::testing
