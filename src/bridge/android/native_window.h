// NativeWindow: the ANativeWindow of libandroid.so/libnativewindow.so on a
// shared-memory surface. Bridged code draws with the NDK's CPU path
// (ANativeWindow_setBuffersGeometry, _lock, _unlockAndPost; EGL window
// surfaces present their frames through the same calls) into a private
// back buffer of the geometry and format it chose; each post converts the
// buffer to the surface (scaled to the window's size, nearest pixel, as the
// compositor scales a buffer to its window) and counts a frame. A consumer
// on the host, in this process or another, maps the surface's memfd and
// waits on the frame eventfd.
//
// The surface (a memfd, little-endian):
//
//   0        4        8        12       16       20       24               32
//   +--------+--------+--------+--------+--------+--------+----------------+
//   | 'VMNW' | vers 1 | width  | height | stride | format | frames posted  |
//   +--------+--------+--------+--------+--------+--------+----------------+
//   32 .. 63 reserved (0)
//   64       height rows of `stride` bytes, RGBA 8:8:8:8 (format 1), the
//            last posted frame (all zero before the first)
//
// `frames` is written after the pixels of that frame, with release order.
// Lifetime: reference-counted (ANativeWindow_acquire/release); the creator
// holds the first reference. Thread-safety: every call takes the window's
// lock; one thread at a time draws between lock and unlockAndPost.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace vmi::bridge::android {

// ANativeWindow_Buffer and ARect of <android/native_window.h>/<android/rect.h>.
struct WindowBuffer {
  int32_t width, height, stride, format;
  void* bits;
  uint32_t reserved[6];
};
struct WindowRect {
  int32_t left, top, right, bottom;
};

// AHARDWAREBUFFER_FORMAT_* / WINDOW_FORMAT_* the CPU path supports.
constexpr int32_t kFormatRgba8888 = 1;
constexpr int32_t kFormatRgbx8888 = 2;
constexpr int32_t kFormatRgb565 = 4;

constexpr uint32_t kSurfaceMagic = 0x574e4d56;  // "VMNW"
constexpr size_t kSurfaceHeader = 64;

class NativeWindow {
 public:
  // A window of width x height pixels (1..8192 each), one reference.
  static Result<NativeWindow*> Create(uint32_t width, uint32_t height);
  // Whether `p` is a window that exists now: EGL gets ANativeWindow*
  // values from bridged code and must refuse anything else.
  static bool IsLive(const void* p);

  void Acquire() { refs_.fetch_add(1); }
  void Release();

  int32_t Width();  // of the buffers (the geometry's, else the window's)
  int32_t Height();
  int32_t Format();
  // 0 or a negative errno, with Android's checks: sizes both 0 (the
  // window's) or both positive, a CPU-path format or 0 (the window's).
  int32_t SetBuffersGeometry(int32_t width, int32_t height, int32_t format);
  // 0 or -EINVAL; -ENOSYS (Android's INVALID_OPERATION) when already locked.
  int32_t Lock(WindowBuffer* out, WindowRect* dirty);
  // 0, or -ENOSYS when not locked.
  int32_t UnlockAndPost();
  // Only the identity transform (0) is supported: others give -ENOTSUP
  // rather than a picture that is silently not rotated.
  int32_t SetBuffersTransform(int32_t transform);
  int32_t SetBuffersDataSpace(int32_t dataspace);
  int32_t BuffersDataSpace();

  // The surface memfd (layout above) and an eventfd counting posted frames.
  int surface_fd() const { return surface_.get(); }
  int frame_fd() const { return frames_.get(); }
  uint32_t window_width() const { return width_; }
  uint32_t window_height() const { return height_; }
  // The surface's pixels in this process (RGBA rows of width * 4 bytes).
  const uint8_t* pixels() const { return map_ + kSurfaceHeader; }
  uint64_t frames_posted() const;

 private:
  NativeWindow(UniqueFd surface, UniqueFd frames, uint8_t* map, size_t map_size, uint32_t w,
               uint32_t h);
  ~NativeWindow();
  void Post();

  UniqueFd surface_;
  UniqueFd frames_;
  uint8_t* map_;
  size_t map_size_;
  const uint32_t width_, height_;
  std::atomic<int> refs_{1};
  std::mutex mu_;
  int32_t geo_width_ = 0, geo_height_ = 0, geo_format_ = 0;
  int32_t dataspace_ = 0;
  bool locked_ = false;
  int32_t buf_width_ = 0, buf_height_ = 0, buf_stride_ = 0, buf_format_ = 0;
  std::vector<uint8_t> back_;
};

}  // namespace vmi::bridge::android
