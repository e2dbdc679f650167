#include "devices/surface/shm_buffer.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cstring>
#include <string>

namespace vmi::surface {

Result<std::unique_ptr<ShmBuffer>> ShmBuffer::Map(UniqueFd fd, uint32_t width, uint32_t height,
                                                  uint32_t stride) {
  uint64_t need = uint64_t{stride} * height;
  if (width == 0 || height == 0 || stride < uint64_t{width} * 4 || need == 0)
    return Error(ErrorCode::kInvalidArgument, "bad buffer geometry");
  int seals = fcntl(fd.get(), F_GET_SEALS);
  if (seals < 0)
    return Error(
        ErrorCode::kInvalidArgument,
        std::string("buffer fd is not a sealable memfd (F_GET_SEALS: ") + strerror(errno) + ")");
  if ((seals & F_SEAL_SHRINK) == 0)
    return Error(ErrorCode::kInvalidArgument,
                 "buffer memfd lacks F_SEAL_SHRINK (the guest could truncate it under the host's "
                 "mapping)");
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return Error::FromErrno("fstat buffer fd");
  if (!S_ISREG(st.st_mode)) return Error(ErrorCode::kInvalidArgument, "buffer fd is not a file");
  if (static_cast<uint64_t>(st.st_size) < need)
    return Error(ErrorCode::kInvalidArgument, "buffer memfd has " + std::to_string(st.st_size) +
                                                  " bytes, needs " + std::to_string(need) +
                                                  " (stride " + std::to_string(stride) +
                                                  " x height " + std::to_string(height) + ")");
  void* p = mmap(nullptr, need, PROT_READ, MAP_SHARED, fd.get(), 0);
  if (p == MAP_FAILED) {
    Error e = Error::FromErrno("mmap buffer memfd");
    return Error(ErrorCode::kInvalidArgument, e.ToString(), e.err_no());
  }
  std::unique_ptr<ShmBuffer> b(new ShmBuffer());
  b->pixels_ = static_cast<const uint8_t*>(p);
  b->size_ = need;
  b->width_ = static_cast<int>(width);
  b->height_ = static_cast<int>(height);
  b->stride_ = static_cast<int>(stride);
  return b;
}

ShmBuffer::~ShmBuffer() {
  if (pixels_ != nullptr) munmap(const_cast<uint8_t*>(pixels_), size_);
}

}  // namespace vmi::surface
