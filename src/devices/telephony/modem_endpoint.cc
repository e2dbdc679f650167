#include "devices/telephony/modem_endpoint.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "base/unix_listener.h"

namespace vmi::telephony {

Result<std::unique_ptr<ModemEndpoint>> ModemEndpoint::Create(EventLoop* loop, LineFactory make_line,
                                                             std::string instance,
                                                             std::string devdir) {
  std::unique_ptr<ModemEndpoint> e(new ModemEndpoint());
  e->loop_ = loop;
  e->make_line_ = std::move(make_line);
  e->instance_ = std::move(instance);
  e->devdir_ = std::move(devdir);
  std::string path = e->socket_path();
  // Only the instance's root (the device directory's owner, a user-namespace
  // uid) may connect: the channel is the instance's own line. A socket left
  // by a previous service is replaced.
  UnixListenerOptions o{.mode = 0660, .backlog = 4};
  struct stat st;
  if (stat(e->devdir_.c_str(), &st) == 0) {
    o.uid = st.st_uid;
    o.gid = st.st_gid;
  }
  e->listen_ = VMI_TRY(ListenUnix(path, o));
  ModemEndpoint* raw = e.get();
  VMI_CHECK_OK(loop->AddFd(e->listen_.get(), EPOLLIN, [raw](uint32_t) { raw->OnAccept(); }),
               "watch " + path);
  return e;
}

ModemEndpoint::~ModemEndpoint() {
  CloseConnection();
  if (listen_) {
    loop_->RemoveFd(listen_.get());
    unlink(socket_path().c_str());
  }
}

void ModemEndpoint::CloseConnection() {
  // The modem goes first: detaching ends the line's calls, which may still
  // try to write to this connection.
  modem_.reset();
  line_.reset();
  if (conn_) loop_->RemoveFd(conn_.get());
  conn_.reset();
  pending_.clear();
}

void ModemEndpoint::OnAccept() {
  UniqueFd c(accept4(listen_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
  if (!c) return;
  CloseConnection();
  conn_ = std::move(c);
  auto added = loop_->AddFd(conn_.get(), EPOLLIN | EPOLLRDHUP,
                            [this](uint32_t ev) { OnReadable(ev); });
  if (!added.ok()) {
    VMI_ILOG(WARN, instance_) << "modem: " << added.error().ToString();
    conn_.reset();
    return;
  }
  line_ = make_line_();
  modem_ = std::make_unique<AtModem>(line_.get(), [this](std::string_view b) { Write(b); });
  VMI_ILOG(INFO, instance_) << "modem: guest port connected";
}

void ModemEndpoint::OnReadable(uint32_t events) {
  if (events & EPOLLOUT) Flush();
  if (!conn_) return;
  if (events & EPOLLIN) {
    char buf[4096];
    // A bounded number of reads per wake-up keeps one chatty guest from
    // starving the others on the loop.
    for (int i = 0; i < 16; ++i) {
      ssize_t n = read(conn_.get(), buf, sizeof buf);
      if (n > 0) {
        modem_->Feed(std::string_view(buf, static_cast<size_t>(n)));
        if (!conn_) return;
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        VMI_ILOG(INFO, instance_) << "modem: guest port disconnected";
        if (line_) line_->Leave();
        CloseConnection();
        return;
      }
      break;
    }
  }
  if (events & (EPOLLHUP | EPOLLERR)) CloseConnection();
}

void ModemEndpoint::Write(std::string_view bytes) {
  if (!conn_) return;
  if (pending_.size() + bytes.size() > kMaxPending) {
    VMI_ILOG(WARN, instance_) << "modem: guest does not read its port; dropping the connection";
    CloseLater();
    return;
  }
  pending_.append(bytes);
  Flush();
}

void ModemEndpoint::Flush() {
  while (!pending_.empty() && conn_) {
    ssize_t n = send(conn_.get(), pending_.data(), pending_.size(), MSG_NOSIGNAL);
    if (n > 0) {
      pending_.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
    CloseLater();
    return;
  }
  if (conn_)
    (void)loop_->ModifyFd(conn_.get(), EPOLLIN | EPOLLRDHUP | (pending_.empty() ? 0u : static_cast<uint32_t>(EPOLLOUT)));
}

void ModemEndpoint::CloseLater() {
  // Not from inside the modem's own call: close on the next loop turn.
  std::weak_ptr<int> alive = alive_;
  loop_->Post([this, alive] {
    if (alive.lock()) CloseConnection();
  });
}

void ModemEndpoint::Tick() {
  if (modem_) modem_->Tick();
}

}  // namespace vmi::telephony
