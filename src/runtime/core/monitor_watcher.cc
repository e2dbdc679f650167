#include "runtime/core/monitor_watcher.h"

#include <pthread.h>
#include <sys/epoll.h>

#include "base/log.h"

namespace vmi::runtime {

Result<std::unique_ptr<MonitorWatcher>> MonitorWatcher::Create() {
  auto loop = VMI_TRY_CTX(EventLoop::Create(), "monitor watcher");
  return std::unique_ptr<MonitorWatcher>(new MonitorWatcher(std::move(loop)));
}

MonitorWatcher::~MonitorWatcher() {
  if (thread_.joinable()) {
    loop_->Stop();
    thread_.join();
  }
}

void MonitorWatcher::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "vmi-watch");
    auto r = loop_->Run();
    if (!r.ok()) VMI_LOG(ERROR) << "monitor watcher: " << r.error().ToString();
  });
}

void MonitorWatcher::Watch(pid_t pid, uint64_t start_ticks, std::function<void()> on_exit) {
  loop_->Post([this, pid, start_ticks, on_exit = std::move(on_exit)]() mutable {
    AdoptedProcess monitor = AdoptedProcess::Find(pid, start_ticks);
    if (!monitor.alive()) return on_exit();
    const int fd = monitor.fd();
    auto added = loop_->AddFd(fd, EPOLLIN, [this, fd, on_exit](uint32_t) {
      auto it = watched_.find(fd);
      if (it == watched_.end()) return;
      it->second.Reap();  // if it is our child
      loop_->RemoveFd(fd);
      watched_.erase(it);  // closes the pidfd, after RemoveFd
      count_ = watched_.size();
      on_exit();
    });
    if (!added.ok()) {
      // Without its pidfd in the loop the exit would go unnoticed: say so
      // now rather than never.
      VMI_LOG(ERROR) << "watch monitor " << pid << ": " << added.error().ToString();
      return;
    }
    watched_.emplace(fd, std::move(monitor));
    count_ = watched_.size();
  });
}

void MonitorWatcher::AddTimer(std::chrono::milliseconds delay, std::function<void()> fn,
                              bool repeat) {
  loop_->Post([this, delay, fn = std::move(fn), repeat]() mutable {
    auto t = loop_->AddTimer(delay, std::move(fn), repeat);
    if (!t.ok()) VMI_LOG(ERROR) << "monitor watcher timer: " << t.error().ToString();
  });
}

void MonitorWatcher::After(std::chrono::milliseconds delay, std::function<void()> fn) {
  AddTimer(delay, std::move(fn), false);
}

void MonitorWatcher::Every(std::chrono::milliseconds period, std::function<void()> fn) {
  AddTimer(period, std::move(fn), true);
}

size_t MonitorWatcher::watched() const { return count_; }

}  // namespace vmi::runtime
