#include "devices/display/png.h"

#include <png.h>

#include <cstring>
#include <vector>

namespace vmi::display {

Result<std::string> EncodePng(const FrameView& frame) {
  if (!frame.pixels || frame.width <= 0 || frame.height <= 0 ||
      frame.stride < frame.width * 4) {
    return Error(ErrorCode::kInvalidArgument, "png: empty or inconsistent frame");
  }
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(frame.width);
  image.height = static_cast<png_uint_32>(frame.height);
  // BGRX in memory: libpng's BGRA layout, with the X byte dropped as alpha
  // would be wrong (it is garbage), so convert rows to BGR first.
  image.format = PNG_FORMAT_BGR;
  image.flags = PNG_IMAGE_FLAG_FAST;  // favour speed: screenshots are taken live
  std::vector<uint8_t> bgr(static_cast<size_t>(frame.width) * 3 * frame.height);
  for (int y = 0; y < frame.height; ++y) {
    const uint8_t* src = frame.pixels + static_cast<size_t>(frame.stride) * y;
    uint8_t* dst = &bgr[static_cast<size_t>(frame.width) * 3 * y];
    for (int x = 0; x < frame.width; ++x) {
      dst[3 * x] = src[4 * x];
      dst[3 * x + 1] = src[4 * x + 1];
      dst[3 * x + 2] = src[4 * x + 2];
    }
  }
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&image, nullptr, &size, 0, bgr.data(), 0, nullptr)) {
    return Error(ErrorCode::kInternal, std::string("png: ") + image.message);
  }
  std::string out(size, '\0');
  if (!png_image_write_to_memory(&image, out.data(), &size, 0, bgr.data(), 0, nullptr)) {
    return Error(ErrorCode::kInternal, std::string("png: ") + image.message);
  }
  out.resize(size);
  return out;
}

Result<DecodedImage> DecodePng(const std::string& png) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, png.data(), png.size())) {
    return Error(ErrorCode::kInvalidArgument, std::string("png: ") + image.message);
  }
  image.format = PNG_FORMAT_BGRA;
  DecodedImage out;
  out.width = static_cast<int>(image.width);
  out.height = static_cast<int>(image.height);
  out.bgrx.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, out.bgrx.data(), 0, nullptr)) {
    png_image_free(&image);
    return Error(ErrorCode::kInvalidArgument, std::string("png: ") + image.message);
  }
  return out;
}

}  // namespace vmi::display
