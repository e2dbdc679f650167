#include "bridge/android/native_window.h"

#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_set>

namespace vmi::bridge::android {
namespace {

constexpr uint32_t kMaxSide = 8192;
constexpr int32_t kStrideAlign = 16;  // pixels, as gralloc pads rows

int32_t BytesPerPixel(int32_t format) {
  switch (format) {
    case kFormatRgba8888:
    case kFormatRgbx8888:
      return 4;
    case kFormatRgb565:
      return 2;
    default:
      return 0;
  }
}

void StoreU32(uint8_t* p, uint32_t v) { memcpy(p, &v, 4); }

// The windows that exist (constructed, not yet destroyed).
std::mutex g_live_mu;
std::unordered_set<const void*>& Live() {
  static auto* live = new std::unordered_set<const void*>;  // never destroyed: used at exit
  return *live;
}

}  // namespace

Result<NativeWindow*> NativeWindow::Create(uint32_t width, uint32_t height) {
  if (width == 0 || height == 0 || width > kMaxSide || height > kMaxSide) {
    return Error(ErrorCode::kInvalidArgument, "native window size " + std::to_string(width) + "x" +
                                                  std::to_string(height) + " is outside 1..8192");
  }
  UniqueFd fd(memfd_create("vmi-native-window", MFD_CLOEXEC));
  if (!fd) return Error::FromErrno("memfd_create");
  const size_t size = kSurfaceHeader + size_t(width) * height * 4;
  if (ftruncate(fd.get(), static_cast<off_t>(size)) != 0)
    return Error::FromErrno("ftruncate surface");
  void* m = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (m == MAP_FAILED) return Error::FromErrno("mmap surface");
  UniqueFd frames(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!frames) {
    munmap(m, size);
    return Error::FromErrno("eventfd");
  }
  auto* map = static_cast<uint8_t*>(m);
  StoreU32(map, kSurfaceMagic);
  StoreU32(map + 4, 1);
  StoreU32(map + 8, width);
  StoreU32(map + 12, height);
  StoreU32(map + 16, width * 4);
  StoreU32(map + 20, kFormatRgba8888);
  return new NativeWindow(std::move(fd), std::move(frames), map, size, width, height);
}

NativeWindow::NativeWindow(UniqueFd surface, UniqueFd frames, uint8_t* map, size_t map_size,
                           uint32_t w, uint32_t h)
    : surface_(std::move(surface)),
      frames_(std::move(frames)),
      map_(map),
      map_size_(map_size),
      width_(w),
      height_(h) {
  std::lock_guard<std::mutex> lock(g_live_mu);
  Live().insert(this);
}

NativeWindow::~NativeWindow() {
  {
    std::lock_guard<std::mutex> lock(g_live_mu);
    Live().erase(this);
  }
  munmap(map_, map_size_);
}

bool NativeWindow::IsLive(const void* p) {
  std::lock_guard<std::mutex> lock(g_live_mu);
  return Live().count(p) != 0;
}

void NativeWindow::Release() {
  if (refs_.fetch_sub(1) == 1) delete this;
}

int32_t NativeWindow::Width() {
  std::lock_guard<std::mutex> lock(mu_);
  return geo_width_ != 0 ? geo_width_ : static_cast<int32_t>(width_);
}

int32_t NativeWindow::Height() {
  std::lock_guard<std::mutex> lock(mu_);
  return geo_height_ != 0 ? geo_height_ : static_cast<int32_t>(height_);
}

int32_t NativeWindow::Format() {
  std::lock_guard<std::mutex> lock(mu_);
  return geo_format_ != 0 ? geo_format_ : kFormatRgba8888;
}

int32_t NativeWindow::SetBuffersGeometry(int32_t width, int32_t height, int32_t format) {
  if (width < 0 || height < 0 || (width == 0) != (height == 0)) return -EINVAL;
  if (width > static_cast<int32_t>(kMaxSide) || height > static_cast<int32_t>(kMaxSide))
    return -EINVAL;
  if (format != 0 && BytesPerPixel(format) == 0) return -EINVAL;
  std::lock_guard<std::mutex> lock(mu_);
  geo_width_ = width;
  geo_height_ = height;
  geo_format_ = format;
  return 0;
}

int32_t NativeWindow::Lock(WindowBuffer* out, WindowRect* dirty) {
  if (out == nullptr) return -EINVAL;
  std::lock_guard<std::mutex> lock(mu_);
  if (locked_) return -ENOSYS;
  const int32_t w = geo_width_ != 0 ? geo_width_ : static_cast<int32_t>(width_);
  const int32_t h = geo_height_ != 0 ? geo_height_ : static_cast<int32_t>(height_);
  const int32_t format = geo_format_ != 0 ? geo_format_ : kFormatRgba8888;
  const int32_t stride = (w + kStrideAlign - 1) / kStrideAlign * kStrideAlign;
  if (w != buf_width_ || h != buf_height_ || format != buf_format_) {
    // A new geometry starts from a cleared buffer; the same one keeps the
    // previous frame's pixels, so partial redraws inside `dirty` are valid.
    back_.assign(size_t(stride) * h * BytesPerPixel(format), 0);
    buf_width_ = w;
    buf_height_ = h;
    buf_stride_ = stride;
    buf_format_ = format;
  }
  *out = WindowBuffer{w, h, stride, format, back_.data(), {}};
  if (dirty != nullptr) *dirty = WindowRect{0, 0, w, h};
  locked_ = true;
  return 0;
}

int32_t NativeWindow::UnlockAndPost() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!locked_) return -ENOSYS;
  locked_ = false;
  Post();
  return 0;
}

void NativeWindow::Post() {
  const int32_t bpp = BytesPerPixel(buf_format_);
  uint8_t* dst = map_ + kSurfaceHeader;
  for (uint32_t y = 0; y < height_; ++y) {
    const uint32_t sy = uint32_t(uint64_t(y) * buf_height_ / height_);
    const uint8_t* row = back_.data() + size_t(sy) * buf_stride_ * bpp;
    uint8_t* out = dst + size_t(y) * width_ * 4;
    for (uint32_t x = 0; x < width_; ++x) {
      const uint32_t sx = uint32_t(uint64_t(x) * buf_width_ / width_);
      const uint8_t* p = row + size_t(sx) * bpp;
      if (buf_format_ == kFormatRgb565) {
        const uint16_t v = uint16_t(p[0] | (p[1] << 8));
        const uint8_t r = (v >> 11) & 0x1f, g = (v >> 5) & 0x3f, b = v & 0x1f;
        out[4 * x] = uint8_t((r << 3) | (r >> 2));
        out[4 * x + 1] = uint8_t((g << 2) | (g >> 4));
        out[4 * x + 2] = uint8_t((b << 3) | (b >> 2));
        out[4 * x + 3] = 255;
      } else {
        memcpy(out + 4 * x, p, 4);
        if (buf_format_ == kFormatRgbx8888) out[4 * x + 3] = 255;
      }
    }
  }
  auto* frames = reinterpret_cast<std::atomic<uint64_t>*>(map_ + 24);
  frames->store(frames->load(std::memory_order_relaxed) + 1, std::memory_order_release);
  uint64_t one = 1;
  (void)!write(frames_.get(), &one, sizeof(one));
}

uint64_t NativeWindow::frames_posted() const {
  return reinterpret_cast<const std::atomic<uint64_t>*>(map_ + 24)->load(std::memory_order_acquire);
}

int32_t NativeWindow::SetBuffersTransform(int32_t transform) {
  return transform == 0 ? 0 : -ENOTSUP;
}

int32_t NativeWindow::SetBuffersDataSpace(int32_t dataspace) {
  std::lock_guard<std::mutex> lock(mu_);
  dataspace_ = dataspace;
  return 0;
}

int32_t NativeWindow::BuffersDataSpace() {
  std::lock_guard<std::mutex> lock(mu_);
  return dataspace_;
}

}  // namespace vmi::bridge::android
