#include "devices/display/x_connection.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <xcb/damage.h>
#include <xcb/randr.h>
#include <xcb/xfixes.h>

#include <cstdlib>
#include <cstring>

#include "base/unique_fd.h"

namespace vmi::display {

Result<std::unique_ptr<XConnection>> XConnection::Connect(const std::string& socket_path) {
  struct stat st;
  if (lstat(socket_path.c_str(), &st) != 0) return Error::FromErrno("lstat " + socket_path);
  if (!S_ISSOCK(st.st_mode)) {
    return Error(ErrorCode::kInvalidArgument, socket_path + " is not a socket");
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) {
    return Error(ErrorCode::kInvalidArgument, "socket path too long: " + socket_path);
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  // Non-blocking connect with a deadline: a guest socket whose backlog is
  // full must not hang the host thread.
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return Error::FromErrno("socket");
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EAGAIN && errno != EINPROGRESS) return Error::FromErrno("connect " + socket_path);
    pollfd pfd{fd.get(), POLLOUT, 0};
    if (poll(&pfd, 1, 1000) != 1) {
      return Error(ErrorCode::kDeadlineExceeded, "connect " + socket_path + ": timed out");
    }
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return Error::FromErrno("connect " + socket_path, err);
  }
  // XCB expects a blocking socket.
  fcntl(fd.get(), F_SETFL, fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
  std::unique_ptr<XConnection> c(new XConnection());
  // XCB owns the fd from here on and closes it in xcb_disconnect.
  c->conn_ = xcb_connect_to_fd(fd.release(), nullptr);
  if (int err = xcb_connection_has_error(c->conn_); err != 0) {
    return Error(ErrorCode::kUnavailable,
                 "X connection to " + socket_path + " failed (xcb error " +
                     std::to_string(err) + ")");
  }
  const xcb_setup_t* setup = xcb_get_setup(c->conn_);
  xcb_screen_iterator_t it = xcb_setup_roots_iterator(setup);
  if (it.rem == 0) return Error(ErrorCode::kUnavailable, "X server has no screen");
  c->root_ = it.data->root;
  c->width_ = it.data->width_in_pixels;
  c->height_ = it.data->height_in_pixels;

  const xcb_query_extension_reply_t* rr = xcb_get_extension_data(c->conn_, &xcb_randr_id);
  if (rr && rr->present) {
    xcb_randr_query_version_reply_t* v = xcb_randr_query_version_reply(
        c->conn_, xcb_randr_query_version(c->conn_, 1, 3), nullptr);
    if (v) {
      free(v);
      c->randr_event_base_ = rr->first_event;
      xcb_randr_select_input(c->conn_, c->root_, XCB_RANDR_NOTIFY_MASK_SCREEN_CHANGE);
    }
  }
  VMI_CHECK_OK(c->RefreshSize(), "X connection to " + socket_path);
  return c;
}

XConnection::~XConnection() {
  if (conn_) xcb_disconnect(conn_);
}

namespace {
constexpr size_t kMaxDamageBoxes = 256;
}  // namespace

Result<void> XConnection::EnableDamage() {
  if (damage_) return Ok();
  const xcb_query_extension_reply_t* ext = xcb_get_extension_data(conn_, &xcb_damage_id);
  if (!ext || !ext->present) return Error(ErrorCode::kUnavailable, "X server has no DAMAGE");
  // Both versions must be negotiated before DAMAGE requests are valid.
  free(xcb_xfixes_query_version_reply(conn_, xcb_xfixes_query_version(conn_, 5, 0), nullptr));
  xcb_damage_query_version_reply_t* v =
      xcb_damage_query_version_reply(conn_, xcb_damage_query_version(conn_, 1, 1), nullptr);
  if (!v) return Error(ErrorCode::kUnavailable, "DAMAGE QueryVersion failed");
  free(v);
  const uint32_t id = xcb_generate_id(conn_);
  if (auto* err = xcb_request_check(
          conn_, xcb_damage_create_checked(conn_, id, root_,
                                           XCB_DAMAGE_REPORT_LEVEL_RAW_RECTANGLES))) {
    free(err);
    return Error(ErrorCode::kUnavailable, "DAMAGE Create failed");
  }
  damage_ = id;
  damage_event_base_ = ext->first_event;
  damaged_ = true;  // everything is unknown until the first look
  damage_overflow_ = true;
  return Ok();
}

bool XConnection::TakeDamage(std::vector<Rect>* boxes) {
  boxes->clear();
  PollEvents();
  if (!damaged_) return false;
  // Raw-rectangle reports keep no state in the server, so nothing needs
  // re-arming: an event read here describes drawing already done, and
  // drawing whose event is still in flight is reported next time.
  if (!damage_overflow_) boxes->swap(damage_boxes_);
  damage_boxes_.clear();
  damaged_ = false;
  damage_overflow_ = false;
  return true;
}

Result<void> XConnection::RefreshSize() {
  xcb_generic_error_t* err = nullptr;
  xcb_get_geometry_reply_t* g =
      xcb_get_geometry_reply(conn_, xcb_get_geometry(conn_, root_), &err);
  if (!g) {
    free(err);
    return Error(ErrorCode::kUnavailable, "X GetGeometry of the root window failed");
  }
  width_ = g->width;
  height_ = g->height;
  free(g);
  return Ok();
}

bool XConnection::PollEvents() {
  while (xcb_generic_event_t* ev = xcb_poll_for_event(conn_)) {
    const uint8_t type = ev->response_type & 0x7f;
    if (type == 0) {
      ++errors_;
    } else if (randr_event_base_ >= 0 &&
               type == randr_event_base_ + XCB_RANDR_SCREEN_CHANGE_NOTIFY) {
      auto* sc = reinterpret_cast<xcb_randr_screen_change_notify_event_t*>(ev);
      // The event reports the size before rotation; our screens never use
      // RandR rotation, the mode itself is portrait or landscape.
      width_ = sc->width;
      height_ = sc->height;
    } else if (damage_event_base_ >= 0 && type == damage_event_base_ + XCB_DAMAGE_NOTIFY) {
      auto* dn = reinterpret_cast<xcb_damage_notify_event_t*>(ev);
      damaged_ = true;
      if (damage_boxes_.size() >= kMaxDamageBoxes) {
        damage_overflow_ = true;
      } else {
        damage_boxes_.push_back(Rect{dn->area.x, dn->area.y, dn->area.width, dn->area.height});
      }
    }
    free(ev);
  }
  return alive();
}

}  // namespace vmi::display
