// WorkQueue: names of objects to reconcile, as client-go's rate-limited
// queue keeps them:
//   - a name is queued at most once (Add while queued is a no-op);
//   - a name being processed is not handed to a second worker: an Add
//     during processing queues it again when Done is called;
//   - AddRateLimited delays a retry by 50 ms * 2^failures (at most 30 s);
//     Forget resets the name's failures after a success.
//
// Threads: every method is thread-safe; Get blocks until a name is ready or
// ShutDown.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace vmi::cluster {

class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;

  void Add(const std::string& name);
  void AddAfter(const std::string& name, std::chrono::milliseconds delay);
  void AddRateLimited(const std::string& name);
  void Forget(const std::string& name);
  int Failures(const std::string& name) const;

  std::optional<std::string> Get();
  void Done(const std::string& name);
  void ShutDown();
  size_t Length() const;

  static std::chrono::milliseconds RetryDelay(int failures);

 private:
  void AddLocked(const std::string& name);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::set<std::string> dirty_;       // queued or to queue after Done
  std::set<std::string> processing_;
  std::multimap<Clock::time_point, std::string> delayed_;
  std::map<std::string, int> failures_;
  bool shut_down_ = false;
};

}  // namespace vmi::cluster
