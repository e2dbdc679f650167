// WorkerThreads: joinable threads that each serve one connection until it
// ends (a WebSocket bridged to a socket, a viewer relayed to a Pod), and
// the eventfd that tells them all to end.
//
// A worker polls `stop_fd` beside its own fds and returns once it is
// readable. Finished workers are joined when the next one is spawned, so
// a long-lived owner keeps no dead threads; the destructor makes the
// eventfd readable and joins every worker, so no thread outlives its owner
// (no detached threads).
//
// Threads: Spawn and running() are thread-safe. Workers must not call
// back into their own WorkerThreads' destructor.
#pragma once

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>

#include "base/unique_fd.h"

namespace vmi {

class WorkerThreads {
 public:
  WorkerThreads();
  ~WorkerThreads();
  WorkerThreads(const WorkerThreads&) = delete;
  WorkerThreads& operator=(const WorkerThreads&) = delete;

  // Runs fn(stop_fd) on a new thread named `name` (at most 15 characters).
  void Spawn(const char* name, std::function<void(int stop_fd)> fn);
  // Workers whose function has not returned yet.
  int running() const;

 private:
  void Reap();

  UniqueFd stop_;  // eventfd: readable once every worker must end
  mutable std::mutex mu_;
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::list<Worker> workers_;  // guarded by mu_
};

// Sends all of `data` on a stream socket (no SIGPIPE); false once the peer
// is gone.
bool SendAll(int fd, std::string_view data);

}  // namespace vmi
