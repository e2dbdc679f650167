#include "devices/display/screen_size.h"

#include <xcb/randr.h>

#include <cstdlib>
#include <memory>
#include <string>

namespace vmi::display {
namespace {

struct FreeDeleter {
  void operator()(void* p) const { free(p); }
};
template <typename T>
using XcbReply = std::unique_ptr<T, FreeDeleter>;

Error XError(const std::string& what, xcb_generic_error_t* e) {
  std::string msg = what;
  if (e) msg += " (X error " + std::to_string(e->error_code) + ")";
  free(e);
  return Error(ErrorCode::kUnavailable, msg);
}

}  // namespace

Result<std::pair<int, int>> MaxScreenSize(XConnection& x) {
  if (!x.has_randr()) return Error(ErrorCode::kUnavailable, "X server has no RandR 1.3");
  xcb_generic_error_t* e = nullptr;
  XcbReply<xcb_randr_get_screen_size_range_reply_t> range(xcb_randr_get_screen_size_range_reply(
      x.get(), xcb_randr_get_screen_size_range(x.get(), x.root()), &e));
  if (!range) return XError("RandR GetScreenSizeRange", e);
  return std::make_pair(int{range->max_width}, int{range->max_height});
}

Result<void> SetScreenSize(XConnection& x, int width, int height) {
  auto max = VMI_TRY(MaxScreenSize(x));
  if (width < 1 || height < 1 || width > max.first || height > max.second) {
    return Error(ErrorCode::kInvalidArgument,
                 "screen size " + std::to_string(width) + "x" + std::to_string(height) +
                     " outside 1x1.." + std::to_string(max.first) + "x" +
                     std::to_string(max.second));
  }
  xcb_connection_t* c = x.get();
  xcb_generic_error_t* e = nullptr;
  XcbReply<xcb_randr_get_screen_resources_reply_t> res(xcb_randr_get_screen_resources_reply(
      c, xcb_randr_get_screen_resources(c, x.root()), &e));
  if (!res) return XError("RandR GetScreenResources", e);
  if (xcb_randr_get_screen_resources_outputs_length(res.get()) < 1 ||
      xcb_randr_get_screen_resources_crtcs_length(res.get()) < 1) {
    return Error(ErrorCode::kUnavailable, "RandR screen has no output or CRTC");
  }
  xcb_randr_output_t output = xcb_randr_get_screen_resources_outputs(res.get())[0];
  xcb_randr_crtc_t crtc = xcb_randr_get_screen_resources_crtcs(res.get())[0];

  xcb_randr_mode_t mode = 0;
  const xcb_randr_mode_info_t* modes = xcb_randr_get_screen_resources_modes(res.get());
  for (int i = 0; i < xcb_randr_get_screen_resources_modes_length(res.get()); ++i) {
    if (modes[i].width == width && modes[i].height == height) {
      mode = modes[i].id;
      break;
    }
  }
  if (mode == 0) {
    // A user mode; it outlives this connection because the output keeps it.
    std::string name = std::to_string(width) + "x" + std::to_string(height);
    xcb_randr_mode_info_t info{};
    info.width = static_cast<uint16_t>(width);
    info.height = static_cast<uint16_t>(height);
    info.hsync_start = info.hsync_end = info.htotal = static_cast<uint16_t>(width);
    info.vsync_start = info.vsync_end = info.vtotal = static_cast<uint16_t>(height);
    info.dot_clock = static_cast<uint32_t>(width) * height * 60;
    info.name_len = static_cast<uint16_t>(name.size());
    XcbReply<xcb_randr_create_mode_reply_t> created(xcb_randr_create_mode_reply(
        c, xcb_randr_create_mode(c, x.root(), info, name.size(), name.c_str()), &e));
    if (!created) return XError("RandR CreateMode " + name, e);
    mode = created->mode;
    if (auto* err = xcb_request_check(c, xcb_randr_add_output_mode_checked(c, output, mode))) {
      return XError("RandR AddOutputMode " + name, err);
    }
  }

  xcb_grab_server(c);
  // The CRTC must fit the screen at every step: switch it off, resize the
  // screen, then switch it on with the new mode.
  XcbReply<xcb_randr_set_crtc_config_reply_t> off(xcb_randr_set_crtc_config_reply(
      c,
      xcb_randr_set_crtc_config(c, crtc, XCB_CURRENT_TIME, res->config_timestamp, 0, 0,
                                XCB_NONE, XCB_RANDR_ROTATION_ROTATE_0, 0, nullptr),
      &e));
  Result<void> result = Ok();
  if (!off || off->status != XCB_RANDR_SET_CONFIG_SUCCESS) {
    result = XError("RandR SetCrtcConfig (off)", e);
  } else {
    // 96 dpi for the reported physical size.
    uint32_t mm_w = static_cast<uint32_t>(width * 254 / 960);
    uint32_t mm_h = static_cast<uint32_t>(height * 254 / 960);
    if (auto* err = xcb_request_check(
            c, xcb_randr_set_screen_size_checked(c, x.root(), width, height, mm_w, mm_h))) {
      result = XError("RandR SetScreenSize", err);
    }
    XcbReply<xcb_randr_set_crtc_config_reply_t> on(xcb_randr_set_crtc_config_reply(
        c,
        xcb_randr_set_crtc_config(c, crtc, XCB_CURRENT_TIME, res->config_timestamp, 0, 0, mode,
                                  XCB_RANDR_ROTATION_ROTATE_0, 1, &output),
        &e));
    if (result.ok() && (!on || on->status != XCB_RANDR_SET_CONFIG_SUCCESS)) {
      result = XError("RandR SetCrtcConfig (on)", e);
    }
  }
  xcb_ungrab_server(c);
  xcb_flush(c);
  if (!result.ok()) return result;
  return x.RefreshSize();
}

}  // namespace vmi::display
