#include "stream/vnc/vnc_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <rfb/rfb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdarg>
#include <cstring>
#include <mutex>

#include "base/log.h"
#include "base/secret.h"
#include "base/unique_fd.h"

namespace vmi::vnc {

namespace {

// LibVNCServer logs through two process-wide function pointers.
void LogInfo(const char* format, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, format);
  vsnprintf(buf, sizeof buf, format, ap);
  va_end(ap);
  std::string line(buf);
  while (!line.empty() && line.back() == '\n') line.pop_back();
  VMI_LOG(DEBUG) << "libvncserver: " << line;
}
void LogError(const char* format, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, format);
  vsnprintf(buf, sizeof buf, format, ap);
  va_end(ap);
  std::string line(buf);
  while (!line.empty() && line.back() == '\n') line.pop_back();
  VMI_LOG(WARN) << "libvncserver: " << line;
}

// Per-client state behind cl->clientData.
struct ClientState {
  input::ViewerId viewer = 0;
};

void SetBgrx(rfbScreenInfoPtr screen) {
  // Our pixels are BGRX in memory: little-endian 0x00RRGGBB words.
  screen->serverFormat.redShift = 16;
  screen->serverFormat.greenShift = 8;
  screen->serverFormat.blueShift = 0;
}

}  // namespace

struct VncHooks {
  static VncServer* Server(rfbClientPtr cl) {
    return static_cast<VncServer*>(cl->screen->screenData);
  }

  static rfbNewClientAction NewClient(rfbClientPtr cl) {
    VncServer* s = Server(cl);
    auto* state = new ClientState();
    cl->clientData = state;
    cl->clientGoneHook = ClientGone;
    s->clients_.fetch_add(1);
    if (s->options_.router) {
      char peer[64] = "?";
      sockaddr_in addr{};
      socklen_t len = sizeof addr;
      if (getpeername(cl->sock, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
        inet_ntop(AF_INET, &addr.sin_addr, peer, sizeof peer);
      }
      auto* router = s->options_.router;
      state->viewer = router->AddViewer(std::string("vnc:") + peer);
      auto w = router->Watch(state->viewer, s->options_.instance);
      if (!w.ok()) {
        VMI_ILOG(WARN, s->options_.instance) << "vnc client refused: " << w.error().ToString();
        router->RemoveViewer(state->viewer);
        state->viewer = 0;
        return RFB_CLIENT_REFUSE;
      }
      // Control only if nobody has it; a refusal leaves the client watching.
      (void)router->RequestControl(state->viewer, s->options_.instance);
    }
    VMI_ILOG(INFO, s->options_.instance) << "vnc client connected (" << s->clients_.load()
                                         << " now)";
    if (s->options_.source) {
      // Let the capture thread take a picture before the client's first
      // update request, so it never starts from a stale or black screen.
      std::unique_lock lock(s->capture_mu_);
      const uint64_t target = s->capture_cycles_ + 2;
      s->capture_now_ = true;
      s->capture_cv_.notify_all();
      s->capture_cv_.wait_for(lock, std::chrono::seconds(1), [s, target] {
        return s->stopping_ || s->capture_cycles_ >= target;
      });
    }
    return RFB_CLIENT_ACCEPT;
  }

  static void ClientGone(rfbClientPtr cl) {
    VncServer* s = Server(cl);
    auto* state = static_cast<ClientState*>(cl->clientData);
    if (state) {
      if (state->viewer != 0 && s->options_.router) s->options_.router->RemoveViewer(state->viewer);
      delete state;
      cl->clientData = nullptr;
    }
    s->clients_.fetch_sub(1);
    VMI_ILOG(INFO, s->options_.instance) << "vnc client gone";
  }

  static void Key(rfbBool down, rfbKeySym keysym, rfbClientPtr cl) {
    VncServer* s = Server(cl);
    auto* state = static_cast<ClientState*>(cl->clientData);
    if (!s->options_.router || !state || state->viewer == 0) return;
    auto r = s->options_.router->Key(state->viewer, input::KeyEvent{keysym, down != 0});
    if (!r.ok()) VMI_ILOG(DEBUG, s->options_.instance) << "vnc key: " << r.error().ToString();
  }

  static void Pointer(int mask, int x, int y, rfbClientPtr cl) {
    VncServer* s = Server(cl);
    auto* state = static_cast<ClientState*>(cl->clientData);
    if (!s->options_.router || !state || state->viewer == 0) return;
    auto r = s->options_.router->Pointer(
        state->viewer, input::PointerEvent{x, y, static_cast<uint32_t>(mask) & 0x1f});
    if (!r.ok()) {
      VMI_ILOG(DEBUG, s->options_.instance) << "vnc pointer: " << r.error().ToString();
    }
  }
};

VncServer::VncServer(VncOptions options) : options_(std::move(options)) {}

Result<std::unique_ptr<VncServer>> VncServer::Start(VncOptions options) {
  static std::once_flag log_once;
  std::call_once(log_once, [] {
    rfbLog = LogInfo;
    rfbErr = LogError;
  });
  std::unique_ptr<VncServer> s(new VncServer(std::move(options)));
  VMI_CHECK_OK(s->Init(), "vnc server for " + s->options_.instance);
  return s;
}

Result<void> VncServer::Init() {
  // Our own listening socket: bound to the requested address, port 0 works,
  // and the port is known before any client can connect.
  in_addr addr{};
  if (inet_pton(AF_INET, options_.bind_address.c_str(), &addr) != 1) {
    return Error(ErrorCode::kInvalidArgument, "bad IPv4 address " + options_.bind_address);
  }
  UniqueFd sock(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock) return Error::FromErrno("socket");
  int one = 1;
  setsockopt(sock.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr = addr;
  sin.sin_port = htons(static_cast<uint16_t>(options_.port));
  if (bind(sock.get(), reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0) {
    return Error::FromErrno("bind " + options_.bind_address + ":" +
                            std::to_string(options_.port));
  }
  if (listen(sock.get(), 16) != 0) return Error::FromErrno("listen");
  socklen_t len = sizeof sin;
  if (getsockname(sock.get(), reinterpret_cast<sockaddr*>(&sin), &len) != 0) {
    return Error::FromErrno("getsockname");
  }
  port_ = ntohs(sin.sin_port);
  if (sock.get() >= FD_SETSIZE) {
    return Error(ErrorCode::kResourceExhausted, "listening fd above FD_SETSIZE");
  }

  password_ = options_.password.empty() ? RandomPassword(8) : options_.password;
  password_list_ = {password_.data(), nullptr};

  width_ = options_.initial_width;
  height_ = options_.initial_height;
  fb_.reset(new uint8_t[static_cast<size_t>(width_) * height_ * 4]());

  int argc = 0;
  screen_ = rfbGetScreen(&argc, nullptr, width_, height_, 8, 3, 4);
  if (!screen_) return Error(ErrorCode::kInternal, "rfbGetScreen failed");
  SetBgrx(screen_);
  screen_->frameBuffer = reinterpret_cast<char*>(fb_.get());
  screen_->desktopName = options_.instance.c_str();
  screen_->screenData = this;
  screen_->alwaysShared = TRUE;  // several viewers at once
  screen_->cursor = nullptr;     // the guest draws its own cursor
  screen_->authPasswdData = password_list_.data();
  screen_->passwordCheck = rfbCheckPasswordByList;
  screen_->newClientHook = VncHooks::NewClient;
  screen_->kbdAddEvent = VncHooks::Key;
  screen_->ptrAddEvent = VncHooks::Pointer;
  screen_->port = port_;
  screen_->ipv6port = 0;
  screen_->listenInterface = addr.s_addr;
  // Hand the socket over; rfbInitServer skips its own socket setup when the
  // state is already READY, and rfbShutdownServer closes it.
  screen_->listenSock = sock.release();
  FD_ZERO(&screen_->allFds);
  FD_SET(screen_->listenSock, &screen_->allFds);
  screen_->maxFd = screen_->listenSock;
  screen_->socketState = RFB_SOCKET_READY;
  rfbInitServer(screen_);
  rfbRunEventLoop(screen_, -1, TRUE);  // listener + per-client threads

  if (options_.source) capture_ = std::thread([this] { CaptureLoop(); });
  VMI_ILOG(INFO, options_.instance) << "vnc listening on " << options_.bind_address << ":"
                                    << port_;
  return Ok();
}

VncServer::~VncServer() {
  {
    std::lock_guard lock(capture_mu_);
    stopping_ = true;
  }
  capture_cv_.notify_all();
  if (capture_.joinable()) capture_.join();
  if (screen_) {
    rfbShutdownServer(screen_, TRUE);
    rfbScreenCleanup(screen_);
  }
}

void VncServer::Resize(int width, int height) {
  std::unique_ptr<uint8_t[]> fb(new uint8_t[static_cast<size_t>(width) * height * 4]());
  rfbNewFramebuffer(screen_, reinterpret_cast<char*>(fb.get()), width, height, 8, 3, 4);
  // rfbNewFramebuffer resets the pixel format to RGB order; put BGR back and
  // let every client rebuild its translation.
  SetBgrx(screen_);
  rfbClientIteratorPtr it = rfbGetClientIterator(screen_);
  while (rfbClientPtr cl = rfbClientIteratorNext(it)) screen_->setTranslateFunction(cl);
  rfbReleaseClientIterator(it);
  old_fb_ = std::move(fb_);
  fb_ = std::move(fb);
  width_ = width;
  height_ = height;
}

void VncServer::Publish(const display::FrameView& frame) {
  std::lock_guard lock(publish_mu_);
  if (!frame.pixels || frame.width <= 0 || frame.height <= 0) return;
  bool full = false;
  if (frame.width != width_ || frame.height != height_) {
    Resize(frame.width, frame.height);
    full = true;
  }
  const size_t dst_stride = static_cast<size_t>(width_) * 4;
  auto copy = [&](const display::Rect& r) {
    for (int y = r.y; y < r.y + r.h; ++y) {
      std::memcpy(fb_.get() + dst_stride * y + 4 * r.x,
                  frame.pixels + static_cast<size_t>(frame.stride) * y + 4 * r.x,
                  static_cast<size_t>(r.w) * 4);
    }
  };
  if (full) {
    copy({0, 0, width_, height_});
    rfbMarkRectAsModified(screen_, 0, 0, width_, height_);
  } else {
    for (const auto& r : frame.damage) {
      // Damage from a source is inside the frame; clip anyway.
      display::Rect c = r;
      c.x = std::max(0, c.x);
      c.y = std::max(0, c.y);
      c.w = std::min(c.w, width_ - c.x);
      c.h = std::min(c.h, height_ - c.y);
      if (c.w <= 0 || c.h <= 0) continue;
      copy(c);
      rfbMarkRectAsModified(screen_, c.x, c.y, c.x + c.w, c.y + c.h);
    }
  }
  published_.fetch_add(1);
}

void VncServer::CaptureLoop() {
  pthread_setname_np(pthread_self(), "vnc-capture");
  const auto period = std::chrono::microseconds(1000000 / std::max(1, options_.fps));
  auto next = std::chrono::steady_clock::now();
  bool logged = false;
  std::unique_lock lock(capture_mu_);
  while (!stopping_) {
    if (clients_.load() == 0) {
      // Nobody watches: no capture at all.
      capture_cv_.wait(lock, [this] { return stopping_ || clients_.load() > 0; });
      next = std::chrono::steady_clock::now();
      continue;
    }
    lock.unlock();
    auto frame = options_.source->Capture();
    if (frame.ok()) {
      logged = false;
      if (!frame->damage.empty()) Publish(*frame);
    } else if (!logged) {
      VMI_ILOG(INFO, options_.instance) << "vnc capture: " << frame.error().ToString();
      logged = true;
    }
    lock.lock();
    ++capture_cycles_;
    capture_cv_.notify_all();
    next += period;
    auto now = std::chrono::steady_clock::now();
    if (next < now) next = now;
    capture_cv_.wait_until(lock, next, [this] { return stopping_ || capture_now_; });
    capture_now_ = false;
  }
}

Result<void> WriteVncPasswordFile(const std::string& path, const std::string& password) {
  std::string pw = password;
  std::string p = path;
  if (rfbEncryptAndStorePasswd(pw.data(), p.data()) != 0) {
    return Error(ErrorCode::kInternal, "cannot write VNC password file " + path);
  }
  return Ok();
}

}  // namespace vmi::vnc
