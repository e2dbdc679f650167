#include "stream/video/jpeg_codec.h"

// jpeglib.h needs FILE and size_t declared first.
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <jpeglib.h>

namespace vmi::video {
namespace {

struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void OnError(j_common_ptr cinfo) {
  auto* e = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, e->message);
  std::longjmp(e->jump, 1);
}

void Silence(j_common_ptr, int) {}

}  // namespace

// The setjmp/longjmp pairs below skip no destructors: the objects between
// setjmp and any libjpeg call are plain C structs and raw buffers released
// on both paths.
Result<std::string> CompressJpeg(const display::FrameView& view, display::Rect rect,
                                 int quality) {
  if (!view.pixels || rect.w <= 0 || rect.h <= 0 || rect.x < 0 || rect.y < 0 ||
      rect.x + rect.w > view.width || rect.y + rect.h > view.height ||
      view.stride < view.width * 4)
    return Error(ErrorCode::kInvalidArgument, "jpeg: empty or inconsistent rectangle");
  jpeg_compress_struct c;
  ErrorManager err;
  c.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = OnError;
  err.pub.emit_message = Silence;
  unsigned char* out = nullptr;
  unsigned long out_size = 0;
  if (setjmp(err.jump)) {
    jpeg_destroy_compress(&c);
    free(out);
    return Error(ErrorCode::kInternal, std::string("jpeg: ") + err.message);
  }
  jpeg_create_compress(&c);
  jpeg_mem_dest(&c, &out, &out_size);
  c.image_width = static_cast<JDIMENSION>(rect.w);
  c.image_height = static_cast<JDIMENSION>(rect.h);
  c.input_components = 4;
  c.in_color_space = JCS_EXT_BGRX;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, quality < 1 ? 1 : quality > 100 ? 100 : quality, TRUE);
  c.dct_method = JDCT_IFAST;
  jpeg_start_compress(&c, TRUE);
  while (c.next_scanline < c.image_height) {
    const uint8_t* row = view.pixels +
                         static_cast<size_t>(rect.y + c.next_scanline) * view.stride +
                         static_cast<size_t>(rect.x) * 4;
    JSAMPROW rows[1] = {const_cast<JSAMPROW>(row)};
    jpeg_write_scanlines(&c, rows, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  std::string data(reinterpret_cast<const char*>(out), out_size);
  free(out);
  return data;
}

Result<DecodedJpeg> DecompressJpeg(const uint8_t* data, size_t size, uint64_t max_pixels) {
  jpeg_decompress_struct d;
  ErrorManager err;
  d.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = OnError;
  err.pub.emit_message = Silence;
  // Filled before setjmp's second return can look at it; plain bytes.
  DecodedJpeg* out = new DecodedJpeg();
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&d);
    delete out;
    return Error(ErrorCode::kInvalidArgument, std::string("jpeg: ") + err.message);
  }
  jpeg_create_decompress(&d);
  jpeg_mem_src(&d, data, static_cast<unsigned long>(size));
  jpeg_read_header(&d, TRUE);
  if (static_cast<uint64_t>(d.image_width) * d.image_height > max_pixels) {
    jpeg_destroy_decompress(&d);
    delete out;
    return Error(ErrorCode::kInvalidArgument, "jpeg: image too large");
  }
  d.out_color_space = JCS_EXT_BGRX;
  jpeg_start_decompress(&d);
  out->width = static_cast<int>(d.output_width);
  out->height = static_cast<int>(d.output_height);
  out->bgrx.resize(static_cast<size_t>(out->width) * out->height * 4);
  while (d.output_scanline < d.output_height) {
    JSAMPROW rows[1] = {out->bgrx.data() + static_cast<size_t>(d.output_scanline) * out->width * 4};
    jpeg_read_scanlines(&d, rows, 1);
  }
  jpeg_finish_decompress(&d);
  jpeg_destroy_decompress(&d);
  DecodedJpeg result = std::move(*out);
  delete out;
  return result;
}

}  // namespace vmi::video
