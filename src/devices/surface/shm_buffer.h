// ShmBuffer: a read-only host mapping of one guest pixel buffer (a memfd).
//
// The guest is untrusted, so Map() refuses any fd that could pull pages away
// from under the mapping: it must be a memfd (F_GET_SEALS works) carrying
// F_SEAL_SHRINK, and at least stride * height bytes long. With that seal the
// host can read the mapping at any time without SIGBUS, whatever the guest
// does with its own copy.
//
// Ownership: the mapping is unmapped on destruction; the fd is closed right
// after mmap (the mapping keeps the pages). Immutable after Map(), so it may
// be read from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "base/result.h"
#include "base/unique_fd.h"

namespace vmi::surface {

class ShmBuffer {
 public:
  // Errors are InvalidArgument (bad fd or geometry) with the reason.
  static Result<std::unique_ptr<ShmBuffer>> Map(UniqueFd fd, uint32_t width, uint32_t height,
                                                uint32_t stride);
  ~ShmBuffer();
  ShmBuffer(const ShmBuffer&) = delete;
  ShmBuffer& operator=(const ShmBuffer&) = delete;

  const uint8_t* pixels() const { return pixels_; }
  int width() const { return width_; }
  int height() const { return height_; }
  int stride() const { return stride_; }
  size_t size() const { return size_; }

 private:
  ShmBuffer() = default;
  const uint8_t* pixels_ = nullptr;
  size_t size_ = 0;
  int width_ = 0, height_ = 0, stride_ = 0;
};

}  // namespace vmi::surface
