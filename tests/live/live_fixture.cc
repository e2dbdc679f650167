#include "live_fixture.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "base/file.h"
#include "devices/display/png.h"
#include "devices/display/xwd_frame_source.h"
#include "stream/video/jpeg_codec.h"

namespace vmi::testing {

Result<Picture> PictureFromPng(const std::string& png) {
  auto d = VMI_TRY(display::DecodePng(png));
  Picture p{d.width, d.height, std::vector<uint32_t>(static_cast<size_t>(d.width) * d.height)};
  std::memcpy(p.px.data(), d.bgrx.data(), p.px.size() * 4);
  return p;
}

Result<Picture> PictureFromJpeg(const std::string& jpeg) {
  // libjpeg's API: this process links LibVNCClient, whose own tj* copies
  // shadow libturbojpeg's (stream/video/jpeg_codec.h).
  auto d = VMI_TRY(
      video::DecompressJpeg(reinterpret_cast<const uint8_t*>(jpeg.data()), jpeg.size()));
  Picture p{d.width, d.height, std::vector<uint32_t>(static_cast<size_t>(d.width) * d.height)};
  std::memcpy(p.px.data(), d.bgrx.data(), p.px.size() * 4);
  return p;
}

Result<Picture> Framebuffer(const std::string& devdir) {
  display::XwdSourceOptions o;
  o.fb_path = devdir + "/Xvfb_screen0";
  o.x_socket = devdir + "/x11/X0";
  display::XwdFrameSource source(o);
  Result<display::FrameView> f = Error(ErrorCode::kUnavailable, "not tried");
  for (int i = 0; i < 100; ++i) {
    f = source.Capture();
    // The X connection (and with it the RandR size) may come a moment
    // after the first capture.
    if (f.ok() && source.x_connection()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  f = source.Capture();
  if (!f.ok()) return std::move(f).error();
  Picture p{f->width, f->height, std::vector<uint32_t>(static_cast<size_t>(f->width) * f->height)};
  for (int y = 0; y < f->height; ++y)
    std::memcpy(&p.px[static_cast<size_t>(y) * f->width],
                f->pixels + static_cast<size_t>(y) * f->stride, static_cast<size_t>(f->width) * 4);
  return p;
}

PictureDiff Compare(const Picture& a, const Picture& b, int tolerance) {
  if (a.width != b.width || a.height != b.height || a.px.empty()) return {255, 0};
  uint64_t sum = 0, close = 0;
  for (size_t i = 0; i < a.px.size(); ++i) {
    int worst = 0;
    for (int shift : {0, 8, 16}) {
      int d = std::abs(int((a.px[i] >> shift) & 0xff) - int((b.px[i] >> shift) & 0xff));
      sum += d;
      worst = std::max(worst, d);
    }
    if (worst <= tolerance) close++;
  }
  return {double(sum) / (3.0 * a.px.size()), double(close) / a.px.size()};
}

size_t DistinctColours(const Picture& p) {
  std::set<uint32_t> s;
  for (uint32_t v : p.px) s.insert(v & 0xffffff);
  return s.size();
}

Result<api::ClientResponse> Http(const std::string& socket, const std::string& method,
                                 const std::string& target, const std::string& body) {
  auto c = VMI_TRY(api::HttpClient::Create({.server = "unix://" + socket}));
  return c->Send(method, target, body);
}

}  // namespace vmi::testing
