#include "base/event_loop.h"

#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

namespace vmi {

Result<std::unique_ptr<EventLoop>> EventLoop::Create() {
  std::unique_ptr<EventLoop> loop(new EventLoop());
  loop->epoll_.reset(epoll_create1(EPOLL_CLOEXEC));
  if (!loop->epoll_) return Error::FromErrno("epoll_create1");
  loop->wake_.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!loop->wake_) return Error::FromErrno("eventfd");
  EventLoop* self = loop.get();
  VMI_CHECK_OK(loop->AddFd(loop->wake_.get(), EPOLLIN,
                           [self](uint32_t) {
                             uint64_t v;
                             ssize_t r = read(self->wake_.get(), &v, sizeof v);
                             (void)r;
                             std::vector<std::function<void()>> fns;
                             {
                               std::lock_guard lock(self->posted_mu_);
                               fns.swap(self->posted_);
                             }
                             for (auto& fn : fns) fn();
                           }),
               "watch wake eventfd");
  return loop;
}

EventLoop::~EventLoop() = default;

Result<void> EventLoop::AddFd(int fd, uint32_t events, FdCallback cb) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) return Error::FromErrno("epoll_ctl add");
  fds_[fd] = std::make_shared<FdCallback>(std::move(cb));
  return Ok();
}

Result<void> EventLoop::ModifyFd(int fd, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev) != 0) return Error::FromErrno("epoll_ctl mod");
  return Ok();
}

void EventLoop::RemoveFd(int fd) {
  epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
  fds_.erase(fd);
}

Result<EventLoop::TimerId> EventLoop::AddTimer(std::chrono::milliseconds delay,
                                               std::function<void()> cb, bool repeat) {
  auto t = std::make_unique<Timer>();
  t->fd.reset(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  if (!t->fd) return Error::FromErrno("timerfd_create");
  itimerspec spec{};
  auto ms = std::max<int64_t>(delay.count(), 1);
  spec.it_value = {static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1000000};
  if (repeat) spec.it_interval = spec.it_value;
  if (timerfd_settime(t->fd.get(), 0, &spec, nullptr) != 0) return Error::FromErrno("timerfd_settime");
  t->cb = std::move(cb);
  t->repeat = repeat;
  TimerId id = next_timer_++;
  int fd = t->fd.get();
  VMI_CHECK_OK(AddFd(fd, EPOLLIN,
                     [this, id](uint32_t) {
                       auto it = timers_.find(id);
                       if (it == timers_.end()) return;
                       uint64_t expirations;
                       ssize_t r = read(it->second->fd.get(), &expirations, sizeof expirations);
                       (void)r;
                       auto cb = it->second->cb;  // copy: the callback may cancel the timer
                       if (!it->second->repeat) CancelTimer(id);
                       cb();
                     }),
               "watch timer");
  timers_[id] = std::move(t);
  return id;
}

void EventLoop::CancelTimer(TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  RemoveFd(it->second->fd.get());
  timers_.erase(it);
}

void EventLoop::Post(std::function<void()> fn) {
  {
    std::lock_guard lock(posted_mu_);
    posted_.push_back(std::move(fn));
  }
  uint64_t one = 1;
  ssize_t r = write(wake_.get(), &one, sizeof one);
  (void)r;
}

void EventLoop::Stop() {
  Post([this] { stop_ = true; });
}

Result<void> EventLoop::RunOnce(int timeout_ms) {
  epoll_event events[64];
  int n = epoll_wait(epoll_.get(), events, 64, timeout_ms);
  if (n < 0) {
    if (errno == EINTR) return Ok();
    return Error::FromErrno("epoll_wait");
  }
  for (int i = 0; i < n; ++i) {
    auto it = fds_.find(events[i].data.fd);
    if (it == fds_.end()) continue;  // removed by an earlier callback
    auto cb = it->second;            // keeps the callback alive while it runs
    (*cb)(events[i].events);
  }
  return Ok();
}

Result<void> EventLoop::Run() {
  stop_ = false;
  while (!stop_) VMI_CHECK_OK(RunOnce(-1), "event loop");
  return Ok();
}

}  // namespace vmi
