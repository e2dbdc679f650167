#include "base/worker_threads.h"

#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace vmi {

WorkerThreads::WorkerThreads() : stop_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

WorkerThreads::~WorkerThreads() {
  uint64_t one = 1;
  (void)!write(stop_.get(), &one, sizeof one);
  std::list<Worker> all;
  {
    std::lock_guard lock(mu_);
    all.swap(workers_);
  }
  for (auto& w : all) w.thread.join();
}

void WorkerThreads::Reap() {
  std::list<Worker> finished;
  {
    std::lock_guard lock(mu_);
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (it->done->load()) {
        finished.splice(finished.end(), workers_, it++);
      } else {
        ++it;
      }
    }
  }
  for (auto& w : finished) w.thread.join();
}

void WorkerThreads::Spawn(const char* name, std::function<void(int stop_fd)> fn) {
  Reap();
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::lock_guard lock(mu_);
  workers_.push_back({std::thread([name, done, stop = stop_.get(), fn = std::move(fn)] {
                        pthread_setname_np(pthread_self(), name);
                        fn(stop);
                        done->store(true);
                      }),
                      done});
}

int WorkerThreads::running() const {
  std::lock_guard lock(mu_);
  int n = 0;
  for (const auto& w : workers_) n += w.done->load() ? 0 : 1;
  return n;
}

bool SendAll(int fd, std::string_view data) {
  const char* p = data.data();
  size_t n = data.size();
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace vmi
