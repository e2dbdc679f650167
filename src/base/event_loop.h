// EventLoop: one epoll loop per process for control and IPC.
//
// Threads: Run() executes every callback on the calling thread. Post() and
// Stop() may be called from any thread (they wake the loop through an
// eventfd); every other method must be called on the loop thread (or before
// Run()).
#pragma once

#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace vmi {

class EventLoop {
 public:
  using FdCallback = std::function<void(uint32_t events)>;
  using TimerId = uint64_t;

  static Result<std::unique_ptr<EventLoop>> Create();
  ~EventLoop();

  // Watches a borrowed fd; the caller keeps it open until RemoveFd.
  Result<void> AddFd(int fd, uint32_t events, FdCallback cb);
  Result<void> ModifyFd(int fd, uint32_t events);
  void RemoveFd(int fd);

  // Runs cb once after `delay` (or every `delay` if repeat). Returns an id
  // for CancelTimer.
  Result<TimerId> AddTimer(std::chrono::milliseconds delay, std::function<void()> cb,
                           bool repeat = false);
  void CancelTimer(TimerId id);

  // Queues fn to run on the loop thread. Thread-safe.
  void Post(std::function<void()> fn);
  // Makes Run() return after the current iteration. Thread-safe.
  void Stop();
  // Dispatches events until Stop().
  Result<void> Run();
  // Dispatches ready events once, waiting at most `timeout` (-1: forever).
  Result<void> RunOnce(int timeout_ms);

 private:
  EventLoop() = default;
  struct Timer {
    UniqueFd fd;
    std::function<void()> cb;
    bool repeat;
  };

  UniqueFd epoll_;
  UniqueFd wake_;
  std::map<int, std::shared_ptr<FdCallback>> fds_;  // shared: a callback may remove itself
  std::map<TimerId, std::unique_ptr<Timer>> timers_;
  TimerId next_timer_ = 1;
  std::mutex posted_mu_;
  std::vector<std::function<void()>> posted_;
  bool stop_ = false;
};

}  // namespace vmi
