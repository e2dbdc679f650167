#include "devices/audio/call_link.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>

namespace vmi::audio {

CallLink::CallLink(UniqueFd fd, std::string peer) : fd_(std::move(fd)), peer_(std::move(peer)) {
  int flags = fcntl(fd_.get(), F_GETFL);
  if (flags < 0 || fcntl(fd_.get(), F_SETFL, flags | O_NONBLOCK) != 0)
    Close(std::string("fcntl: ") + strerror(errno));
}

void CallLink::Close(std::string reason) {
  if (closed_) return;
  closed_ = true;
  close_reason_ = std::move(reason);
  queue_.clear();
  fd_.reset();
}

const float* CallLink::Exchange(const float* microphone) {
  if (closed_) return nullptr;
  const float* out = microphone ? microphone : silence_.data();
  ssize_t n = send(fd_.get(), out, kBlockBytes, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n == static_cast<ssize_t>(kBlockBytes)) {
    ++stats_.sent;
  } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
    ++stats_.dropped;  // the far end does not read: its loss, not a wait here
  } else {
    Close(n < 0 ? std::string("send: ") + strerror(errno) : "short send");
    return nullptr;
  }
  // Everything that arrived since the last tick.
  for (;;) {
    std::vector<float> block(2 * kBlockFrames);
    // One byte more than a block, so a longer datagram is seen as such.
    char extra;
    iovec iov[2] = {{block.data(), kBlockBytes}, {&extra, 1}};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = 2;
    n = recvmsg(fd_.get(), &msg, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) break;
      Close(std::string("recv: ") + strerror(errno));
      return nullptr;
    }
    if (n == 0) {
      Close("the far end hung up");
      return nullptr;
    }
    if (n != static_cast<ssize_t>(kBlockBytes) || (msg.msg_flags & MSG_TRUNC)) {
      Close("a datagram of " + std::to_string(n) + " bytes, not " + std::to_string(kBlockBytes));
      return nullptr;
    }
    ++stats_.received;
    queue_.push_back(std::move(block));
    if (queue_.size() > kMaxQueued) {
      queue_.pop_front();
      ++stats_.dropped;
    }
  }
  if (queue_.empty()) filling_ = true;
  if (filling_) {
    if (queue_.size() < kPrefill) {
      ++stats_.late;
      return nullptr;
    }
    filling_ = false;
  }
  deep_ticks_ = queue_.size() > kPrefill ? deep_ticks_ + 1 : 0;
  if (deep_ticks_ >= kDrainTicks) {  // delay left by a stall: one block goes
    queue_.pop_front();
    ++stats_.dropped;
    deep_ticks_ = 0;
  }
  playing_ = std::move(queue_.front());
  queue_.pop_front();
  ++stats_.played;
  return playing_.data();
}

}  // namespace vmi::audio
