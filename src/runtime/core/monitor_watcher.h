// MonitorWatcher: the thread that notices when containers end.
//
// Each running container's vmi-monitor exits when the container does. The
// watcher holds a pidfd per watched monitor (an AdoptedProcess: the monitor
// may have been started by an earlier daemon) in one event loop, and calls
// its owner back when one exits, after reaping it if it is this process's
// child. The same loop runs the owner's timers (restart delays, periodic
// checks), so everything that reacts to a container's end runs on one
// thread, one callback at a time.
//
// Threads: Watch(), After() and Every() may be called from any thread; the
// callbacks run on the watcher's thread ("vmi-watch"), started by Start().
// A callback may block (a restart waits for its start): other exits wait
// meanwhile, none is lost. The destructor stops the loop and joins it;
// callbacks not yet run are dropped and the monitors keep running.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <thread>

#include "base/event_loop.h"
#include "base/pidfd.h"
#include "base/result.h"

namespace vmi::runtime {

class MonitorWatcher {
 public:
  static Result<std::unique_ptr<MonitorWatcher>> Create();
  ~MonitorWatcher();

  // Runs the loop on its own thread. Watches and timers added before run
  // from then on.
  void Start();

  // Calls `on_exit` once the monitor that is `pid` and started at
  // `start_ticks` exits; at once (on the watcher's thread) if it is gone
  // already or `pid` is now another process.
  void Watch(pid_t pid, uint64_t start_ticks, std::function<void()> on_exit);
  // Runs `fn` once on the watcher's thread after `delay`.
  void After(std::chrono::milliseconds delay, std::function<void()> fn);
  // Runs `fn` on the watcher's thread every `period`.
  void Every(std::chrono::milliseconds period, std::function<void()> fn);

  // How many monitors are watched (for tests; the loop's count).
  size_t watched() const;

 private:
  explicit MonitorWatcher(std::unique_ptr<EventLoop> loop) : loop_(std::move(loop)) {}
  void AddTimer(std::chrono::milliseconds delay, std::function<void()> fn, bool repeat);

  std::unique_ptr<EventLoop> loop_;
  // By pidfd: a restarted container's new monitor may be watched before the
  // old one's exit is handled. Loop thread only.
  std::map<int, AdoptedProcess> watched_;
  std::atomic<size_t> count_{0};
  std::thread thread_;
};

}  // namespace vmi::runtime
