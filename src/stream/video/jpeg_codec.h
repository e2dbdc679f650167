// JPEG through libjpeg's own API (libjpeg62-turbo), for the JPEG fallback of
// the viewers, screenshot thumbnails and tests.
//
// Why not libturbojpeg's tj* API: LibVNCServer and LibVNCClient export their
// own, older copies of tjInitCompress/tjCompress2/tjDestroy/... from their
// shared libraries. In a process that links them (the daemon, the VNC tests)
// the dynamic linker binds some tj* calls to those copies and others
// (tjFree, tjGetErrorStr2, tjDecompressHeader3) to libturbojpeg, and the
// daemon crashed in libjpeg under tjCompress2. libjpeg's API has one
// implementation in the process (LibVNCServer uses the same libjpeg.so.62).
//
// Errors never exit the process: libjpeg's error_exit is replaced by a
// longjmp back into these functions.
//
// Threads: the functions are reentrant (state lives on the caller's stack).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "devices/display/frame_source.h"

namespace vmi::video {

// Encodes `rect` (which must lie inside the view) of a BGRX view as a
// baseline JPEG, 4:2:0, with the fast DCT.
Result<std::string> CompressJpeg(const display::FrameView& view, display::Rect rect,
                                 int quality);

// Decodes a JPEG into BGRX pixels (stride width*4). At most `max_pixels`
// pixels (a guard for input from elsewhere).
struct DecodedJpeg {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> bgrx;
};
Result<DecodedJpeg> DecompressJpeg(const uint8_t* data, size_t size,
                                   uint64_t max_pixels = 64ull << 20);

}  // namespace vmi::video
