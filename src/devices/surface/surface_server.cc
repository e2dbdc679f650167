#include "devices/surface/surface_server.h"

#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

#include "base/clock.h"
#include "base/log.h"

namespace vmi::surface {

namespace {

// At most this many fds are received with one message; more is an error
// (the kernel reports MSG_CTRUNC and closes the excess).
constexpr size_t kMaxFdsPerMessage = 4;
// Messages read per wake-up, so one busy guest cannot starve the loop.
constexpr int kReadBudget = 64;

}  // namespace

struct SurfaceServer::Client {
  Client(UniqueFd f, GuestSession s) : fd(std::move(f)), session(std::move(s)) {}
  UniqueFd fd;
  GuestSession session;
  std::deque<std::vector<uint8_t>> queue;  // host messages the socket did not take yet
  // The guest can no longer read (it closed): its last messages are still
  // handled, nothing more is sent.
  bool peer_gone = false;
  std::optional<EventLoop::TimerId> idle_timer;
};

SurfaceServer::SurfaceServer(SurfaceServerOptions options)
    : options_(std::move(options)), frames_(options_.width, options_.height) {
  display_.width = static_cast<uint32_t>(options_.width);
  display_.height = static_cast<uint32_t>(options_.height);
  display_.refresh_mhz = options_.refresh_mhz;
  display_.dpi = static_cast<uint32_t>(options_.dpi);
  display_.serial = 1;
}

Result<std::unique_ptr<SurfaceServer>> SurfaceServer::Start(SurfaceServerOptions options) {
  if (options.width < 1 || options.height < 1 || options.width > int{kMaxDimension} ||
      options.height > int{kMaxDimension})
    return Error(ErrorCode::kInvalidArgument, "surface: display size out of range");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (options.socket_path.empty() || options.socket_path.size() >= sizeof addr.sun_path)
    return Error(ErrorCode::kInvalidArgument,
                 "surface: socket path '" + options.socket_path + "' is empty or too long");
  memcpy(addr.sun_path, options.socket_path.c_str(), options.socket_path.size() + 1);

  std::unique_ptr<SurfaceServer> s(new SurfaceServer(std::move(options)));
  const std::string& path = s->options_.socket_path;
  s->loop_ = VMI_TRY_CTX(EventLoop::Create(), "surface");
  s->frame_event_.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!s->frame_event_) return Error::FromErrno("surface: eventfd");

  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    // A socket left by a previous daemon is stale; anything else is not ours.
    if (!S_ISSOCK(st.st_mode))
      return Error(ErrorCode::kAlreadyExists, "surface: " + path + " exists and is not a socket");
    if (unlink(path.c_str()) != 0) return Error::FromErrno("surface: unlink stale " + path);
  }
  UniqueFd fd(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return Error::FromErrno("surface: socket");
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return Error::FromErrno("surface: bind " + path);
  s->listen_fd_ = std::move(fd);  // from here on the destructor unlinks the path
  // Guest processes run under the instance's own uids; the device directory
  // around the socket is what keeps other instances out.
  if (chmod(path.c_str(), 0666) != 0) return Error::FromErrno("surface: chmod " + path);
  if (listen(s->listen_fd_.get(), 8) != 0) return Error::FromErrno("surface: listen " + path);
  SurfaceServer* self = s.get();
  VMI_CHECK_OK(
      s->loop_->AddFd(s->listen_fd_.get(), EPOLLIN, [self](uint32_t) { self->OnAccept(); }),
      "surface: watch listening socket");
  s->thread_ = std::thread([self] {
    pthread_setname_np(pthread_self(), "vmi-surface");
    auto r = self->loop_->Run();
    if (!r.ok()) {
      VMI_ILOG(ERROR, self->options_.instance) << "surface loop: " << r.error().ToString();
    }
  });
  VMI_ILOG(INFO, s->options_.instance) << "surface: listening on " << path;
  return s;
}

SurfaceServer::~SurfaceServer() {
  if (thread_.joinable()) {
    loop_->Stop();
    thread_.join();
  }
  if (client_) {
    ErrorMsg bye{WireError::kShutdown, "the host display is shutting down"};
    auto m = Encode(bye);
    ssize_t r = send(client_->fd.get(), m.data(), m.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    (void)r;
    client_.reset();
  }
  if (listen_fd_) unlink(options_.socket_path.c_str());
}

void SurfaceServer::OnAccept() {
  UniqueFd fd(accept4(listen_fd_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
  if (!fd) {
    if (errno != EAGAIN && errno != EINTR) {
      VMI_ILOG(WARN, options_.instance) << "surface: accept: " << strerror(errno);
    }
    return;
  }
  ucred cred{};
  socklen_t len = sizeof cred;
  getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len);
  {
    std::lock_guard lock(mu_);
    ++stats_.connections;
  }
  if (client_) {
    auto m =
        Encode(ErrorMsg{WireError::kBusy, "another guest is already connected to this display"});
    ssize_t r = send(fd.get(), m.data(), m.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    (void)r;
    VMI_ILOG(WARN, options_.instance) << "surface: refused a second guest (pid " << cred.pid << ")";
    std::lock_guard lock(mu_);
    ++stats_.disconnects;
    return;
  }
  int raw = fd.get();
  client_ = std::make_unique<Client>(
      std::move(fd), GuestSession(++next_generation_, options_.limits, &next_buffer_key_));
  auto r = loop_->AddFd(raw, EPOLLIN, [this](uint32_t events) { OnClientEvent(events); });
  if (!r.ok()) {
    VMI_ILOG(ERROR, options_.instance) << "surface: " << r.error().ToString();
    client_.reset();
    return;
  }
  VMI_ILOG(INFO, options_.instance) << "surface: guest connected (pid " << cred.pid << ")";
}

void SurfaceServer::OnClientEvent(uint32_t events) {
  if (events & EPOLLOUT) Flush();
  if (!client_) return;
  if (events & EPOLLIN) {
    for (int i = 0; i < kReadBudget && client_; ++i) {
      if (!ReadOne()) break;
    }
    return;
  }
  if (events & (EPOLLHUP | EPOLLERR)) Disconnect("the guest hung up", std::nullopt);
}

bool SurfaceServer::ReadOne() {
  uint8_t buf[kMaxMessageSize + 1];
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)];
  iovec iov{buf, sizeof buf};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = cbuf;
  msg.msg_controllen = sizeof cbuf;
  ssize_t n = recvmsg(client_->fd.get(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (n < 0 && errno == ECONNRESET) {
    // The guest closed with our messages unread. The kernel reports that
    // once, before the messages the guest sent last: read on, the end of
    // the stream comes after them.
    client_->peer_gone = true;
    n = recvmsg(client_->fd.get(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  }
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return false;
    Disconnect(std::string("recv: ") + strerror(errno), std::nullopt);
    return false;
  }
  // Take ownership of every fd first, so they close on every path below.
  std::vector<UniqueFd> fds;
  bool foreign_cmsg = false;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; ++i) {
        int f;
        memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof f);
        fds.emplace_back(f);
      }
    } else {
      foreign_cmsg = true;
    }
  }
  if (n == 0 && fds.empty()) {
    Disconnect("the guest closed the connection", std::nullopt);
    return false;
  }
  if (msg.msg_flags & MSG_TRUNC) {
    Disconnect("message larger than " + std::to_string(kMaxMessageSize) + " bytes",
               ErrorMsg{WireError::kProtocol, ""});
    return false;
  }
  if ((msg.msg_flags & MSG_CTRUNC) || foreign_cmsg) {
    Disconnect("more than " + std::to_string(kMaxFdsPerMessage) +
                   " fds or an unexpected control message in one message",
               ErrorMsg{WireError::kProtocol, ""});
    return false;
  }
  HandleDatagram(std::span<const uint8_t>(buf, static_cast<size_t>(n)), std::move(fds));
  return client_ != nullptr;
}

void SurfaceServer::HandleDatagram(std::span<const uint8_t> data, std::vector<UniqueFd> fds) {
  auto parsed = ParseGuestMessage(data, fds.size());
  if (!parsed.ok()) {
    Disconnect(parsed.error().ToString(), ErrorMsg{WireCodeFor(parsed.error()), ""});
    return;
  }
  auto action = client_->session.Handle(std::move(*parsed), &fds);
  if (!action.ok()) {
    Disconnect(action.error().ToString(), ErrorMsg{WireCodeFor(action.error()), ""});
    return;
  }
  uint64_t gen = client_->session.generation();
  if (action->welcome) {
    Welcome w;
    w.max_buffers = options_.limits.max_buffers;
    w.max_buffer_bytes = options_.limits.max_buffer_bytes;
    DisplayInfo d;
    {
      std::lock_guard lock(mu_);
      d = display_;
      stats_.guest_ready = true;
      stats_.generation = gen;
    }
    Send(Encode(w));
    Send(Encode(d));
    VMI_ILOG(INFO, options_.instance) << "surface: guest ready (connection " << gen << ")";
  }
  if (action->present && client_) {
    std::vector<Notice> notices;
    uint32_t serial = action->present->serial;
    {
      std::lock_guard lock(mu_);
      frames_.Present(std::move(action->present->buffer), serial, action->present->damage,
                      MonotonicMicros(), &notices);
      stats_.presents = frames_.presents();
    }
    SignalFrame();
    Deliver(notices);
    if (client_) ArmIdleTimer(gen, serial);
  }
}

void SurfaceServer::ArmIdleTimer(uint64_t generation, uint32_t serial) {
  if (client_->idle_timer) loop_->CancelTimer(*client_->idle_timer);
  client_->idle_timer.reset();
  auto id = std::make_shared<EventLoop::TimerId>(0);  // shared: read by the callback it names
  auto t = loop_->AddTimer(options_.idle_frame_done, [this, generation, serial, id] {
    if (client_ && client_->idle_timer == *id) client_->idle_timer.reset();
    std::vector<Notice> notices;
    {
      std::lock_guard lock(mu_);
      frames_.CompleteIdle(generation, serial, MonotonicMicros(), &notices);
    }
    Deliver(notices);
  });
  if (!t.ok()) {
    VMI_ILOG(WARN, options_.instance) << "surface: idle timer: " << t.error().ToString();
    return;
  }
  *id = *t;
  client_->idle_timer = *t;
}

void SurfaceServer::Deliver(const std::vector<Notice>& notices) {
  for (const auto& n : notices) {
    if (!client_ || client_->session.generation() != n.generation) continue;
    if (auto* rel = std::get_if<Release>(&n.message)) {
      // A buffer the guest removed (or replaced under the same id) is not
      // released: its id no longer names it.
      if (!client_->session.HasBuffer(rel->buffer_id, n.buffer_key)) continue;
      Send(Encode(*rel));
    } else {
      Send(Encode(std::get<FrameDone>(n.message)));
    }
  }
}

void SurfaceServer::Send(std::vector<uint8_t> message) {
  if (!client_ || client_->peer_gone) return;
  if (client_->queue.empty()) {
    ssize_t r =
        send(client_->fd.get(), message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (r >= 0) return;
    if (errno == EPIPE || errno == ECONNRESET) {
      // Keep reading: what the guest sent before closing still counts
      // (a last present), and the end of the stream closes the connection.
      client_->peer_gone = true;
      return;
    }
    if (errno != EAGAIN) {
      Disconnect(std::string("send: ") + strerror(errno), std::nullopt);
      return;
    }
    auto m = loop_->ModifyFd(client_->fd.get(), EPOLLIN | EPOLLOUT);
    (void)m;
  }
  if (client_->queue.size() >= options_.max_queued_messages) {
    Disconnect("the guest does not read its messages (" + std::to_string(client_->queue.size()) +
                   " queued)",
               ErrorMsg{WireError::kSlowReader, ""});
    return;
  }
  client_->queue.push_back(std::move(message));
}

void SurfaceServer::Flush() {
  while (client_ && !client_->queue.empty()) {
    auto& m = client_->queue.front();
    ssize_t r = send(client_->fd.get(), m.data(), m.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (r < 0) {
      if (errno == EAGAIN) return;
      if (errno == EPIPE || errno == ECONNRESET) {
        client_->peer_gone = true;
        client_->queue.clear();
        break;
      }
      Disconnect(std::string("send: ") + strerror(errno), std::nullopt);
      return;
    }
    client_->queue.pop_front();
  }
  if (client_) {
    auto m = loop_->ModifyFd(client_->fd.get(), EPOLLIN);
    (void)m;
  }
}

void SurfaceServer::Disconnect(const std::string& why, std::optional<ErrorMsg> tell_guest) {
  if (!client_) return;
  uint64_t gen = client_->session.generation();
  {
    // Before the guest hears of it, so whoever sees the guest's side of the
    // story also sees the server's.
    std::lock_guard lock(mu_);
    frames_.ForgetGeneration(gen);
    stats_.guest_ready = false;
    stats_.generation = 0;
    ++stats_.disconnects;
    if (tell_guest) stats_.last_error = why;
  }
  if (tell_guest) {
    if (tell_guest->text.empty()) tell_guest->text = why;
    auto m = Encode(*tell_guest);
    ssize_t r = send(client_->fd.get(), m.data(), m.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    (void)r;
    VMI_ILOG(WARN, options_.instance) << "surface: closed the guest connection: " << why;
  } else {
    VMI_ILOG(INFO, options_.instance) << "surface: guest gone: " << why;
  }
  if (client_->idle_timer) loop_->CancelTimer(*client_->idle_timer);
  loop_->RemoveFd(client_->fd.get());
  client_.reset();
}

void SurfaceServer::SignalFrame() {
  uint64_t one = 1;
  ssize_t r = write(frame_event_.get(), &one, sizeof one);
  (void)r;
}

Result<display::FrameView> SurfaceServer::Capture() {
  uint64_t drained;
  ssize_t r = read(frame_event_.get(), &drained, sizeof drained);
  (void)r;
  std::vector<Notice> notices;
  display::FrameView view;
  {
    std::lock_guard lock(mu_);
    view = frames_.Capture(MonotonicMicros(), &notices);
  }
  if (!notices.empty()) loop_->Post([this, notices] { Deliver(notices); });
  return view;
}

Result<void> SurfaceServer::SetDisplaySize(int width, int height, int rotation) {
  if (width < 1 || height < 1 || width > int{kMaxDimension} || height > int{kMaxDimension})
    return Error(ErrorCode::kInvalidArgument, "surface: display size " + std::to_string(width) +
                                                  "x" + std::to_string(height) + " out of range");
  if (rotation != 0 && rotation != 90 && rotation != 180 && rotation != 270)
    return Error(ErrorCode::kInvalidArgument,
                 "surface: rotation " + std::to_string(rotation) + " is not 0, 90, 180 or 270");
  DisplayInfo d;
  {
    std::lock_guard lock(mu_);
    display_.width = static_cast<uint32_t>(width);
    display_.height = static_cast<uint32_t>(height);
    display_.rotation = static_cast<uint32_t>(rotation);
    ++display_.serial;
    frames_.SetDisplaySize(width, height);
    d = display_;
  }
  SignalFrame();
  loop_->Post([this, d] {
    if (client_ && client_->session.ready()) Send(Encode(d));
  });
  return Ok();
}

DisplayInfo SurfaceServer::display() const {
  std::lock_guard lock(mu_);
  return display_;
}

SurfaceStats SurfaceServer::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

Result<void> SurfaceServer::SendToGuest(std::vector<uint8_t> message) {
  uint64_t gen;
  {
    std::lock_guard lock(mu_);
    if (!stats_.guest_ready) return Error(ErrorCode::kUnavailable, "no surface guest is connected");
    gen = stats_.generation;
  }
  loop_->Post([this, gen, message = std::move(message)]() mutable {
    if (client_ && client_->session.generation() == gen) Send(std::move(message));
  });
  return Ok();
}

}  // namespace vmi::surface
