#include "bridge/android/looper.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace vmi::bridge::android {
namespace {

// The thread's looper; the thread's reference is released at thread exit.
struct ThreadLooper {
  Looper* looper = nullptr;
  ~ThreadLooper() {
    if (looper != nullptr) looper->Release();
  }
};
thread_local ThreadLooper t_looper;

uint32_t ToEpoll(int events) {
  uint32_t e = 0;
  if (events & kEventInput) e |= EPOLLIN;
  if (events & kEventOutput) e |= EPOLLOUT;
  return e;
}

int FromEpoll(uint32_t e) {
  int events = 0;
  if (e & EPOLLIN) events |= kEventInput;
  if (e & EPOLLOUT) events |= kEventOutput;
  if (e & EPOLLERR) events |= kEventError;
  if (e & EPOLLHUP) events |= kEventHangup;
  return events;
}

}  // namespace

Looper::Looper(UniqueFd epoll, UniqueFd wake, bool allow_non_callbacks)
    : epoll_(std::move(epoll)), wake_(std::move(wake)), allow_non_callbacks_(allow_non_callbacks) {}

Looper* Looper::ForThread() { return t_looper.looper; }

Looper* Looper::Prepare(int opts) {
  if (t_looper.looper != nullptr) return t_looper.looper;
  UniqueFd ep(epoll_create1(EPOLL_CLOEXEC));
  UniqueFd wake(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!ep || !wake) return nullptr;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake.get();
  if (epoll_ctl(ep.get(), EPOLL_CTL_ADD, wake.get(), &ev) != 0) return nullptr;
  t_looper.looper =
      new Looper(std::move(ep), std::move(wake), (opts & kPrepareAllowNonCallbacks) != 0);
  return t_looper.looper;
}

void Looper::Release() {
  if (refs_.fetch_sub(1) == 1) delete this;
}

void Looper::Wake() {
  uint64_t one = 1;
  // EAGAIN means the counter is already non-zero: the poll wakes anyway.
  (void)!write(wake_.get(), &one, sizeof(one));
}

int Looper::AddFd(int fd, int ident, int events, LooperCallback callback, void* data) {
  if (fd < 0) return -1;
  if (callback == nullptr) {
    if (!allow_non_callbacks_ || ident < 0) return -1;
  } else {
    ident = kPollCallback;
  }
  std::lock_guard<std::mutex> lock(mu_);
  epoll_event ev{};
  ev.events = ToEpoll(events);
  ev.data.fd = fd;
  const bool exists = requests_.count(fd) != 0;
  if (epoll_ctl(epoll_.get(), exists ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0) return -1;
  requests_[fd] = Request{fd, ident, events, callback, data, next_seq_++};
  return 1;
}

int Looper::RemoveFd(int fd) {
  std::lock_guard<std::mutex> lock(mu_);
  if (requests_.erase(fd) == 0) return 0;
  // The fd may already be closed (then epoll dropped it): not an error.
  epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
  return 1;
}

void Looper::RemoveIfSame(int fd, uint64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = requests_.find(fd);
  if (it == requests_.end() || it->second.seq != seq) return;
  requests_.erase(it);
  epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

int Looper::PollOnce(int timeout_ms, int* out_fd, int* out_events, void** out_data) {
  int result = 0;
  for (;;) {
    while (response_index_ < responses_.size()) {
      const Response& r = responses_[response_index_++];
      if (r.request.ident >= 0) {
        if (out_fd != nullptr) *out_fd = r.request.fd;
        if (out_events != nullptr) *out_events = r.events;
        if (out_data != nullptr) *out_data = r.request.data;
        return r.request.ident;
      }
    }
    if (result != 0) {
      if (out_fd != nullptr) *out_fd = 0;
      if (out_events != nullptr) *out_events = 0;
      if (out_data != nullptr) *out_data = nullptr;
      return result;
    }
    result = PollInner(timeout_ms);
  }
}

int Looper::PollInner(int timeout_ms) {
  responses_.clear();
  response_index_ = 0;
  constexpr int kMaxEvents = 16;
  epoll_event events[kMaxEvents];
  const int n = epoll_wait(epoll_.get(), events, kMaxEvents, timeout_ms);
  if (n < 0) return errno == EINTR ? kPollWake : kPollError;
  if (n == 0) return kPollTimeout;
  int result = kPollWake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == wake_.get()) {
        uint64_t count;
        (void)!read(wake_.get(), &count, sizeof(count));
        continue;
      }
      auto it = requests_.find(fd);
      if (it != requests_.end())
        responses_.push_back(Response{FromEpoll(events[i].events), it->second});
    }
  }
  // Callbacks run unlocked: they may add or remove fds. A callback that
  // returns 0 unregisters its fd, as on Android.
  for (const Response& r : responses_) {
    if (r.request.ident != kPollCallback) continue;
    if (r.request.callback(r.request.fd, r.events, r.request.data) == 0)
      RemoveIfSame(r.request.fd, r.request.seq);
    result = kPollCallback;
  }
  return result;
}

int Looper::PollAll(int timeout_ms, int* out_fd, int* out_events, void** out_data) {
  if (timeout_ms <= 0) {
    int result;
    do {
      result = PollOnce(timeout_ms, out_fd, out_events, out_data);
    } while (result == kPollCallback);
    return result;
  }
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const int result = PollOnce(timeout_ms, out_fd, out_events, out_data);
    if (result != kPollCallback) return result;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return kPollTimeout;
    timeout_ms = static_cast<int>(left);
  }
}

}  // namespace vmi::bridge::android
