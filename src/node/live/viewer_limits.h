// ViewerLimits: caps on concurrent live viewers (the stream WebSocket), per
// instance and per user, so one tenant cannot make the node encode and fan
// out for an unbounded crowd. A viewer over a cap is refused before the
// upgrade with 429 (kResourceExhausted) naming the cap; the refusals are
// counted for /metrics (vmi_stream_viewers_refused_total{reason}).
//
// Threads: thread-safe. Tickets may be released from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/result.h"

namespace vmi::node::live {

class ViewerLimits {
 public:
  // Held while the viewer is connected; Release() (or destruction) frees
  // the place, once.
  class Ticket {
   public:
    Ticket(ViewerLimits* limits, std::string instance, int64_t user)
        : limits_(limits), instance_(std::move(instance)), user_(user) {}
    ~Ticket() { Release(); }
    void Release();

   private:
    ViewerLimits* limits_;
    std::string instance_;
    int64_t user_;
    std::atomic<bool> released_{false};
  };

  ViewerLimits(int per_instance = 16, int per_user = 32)
      : per_instance_(per_instance), per_user_(per_user) {}

  Result<std::shared_ptr<Ticket>> Acquire(const std::string& instance, int64_t user);

  uint64_t refused_per_instance() const { return refused_instance_.load(); }
  uint64_t refused_per_user() const { return refused_user_.load(); }

 private:
  void Release(const std::string& instance, int64_t user);

  const int per_instance_;
  const int per_user_;
  std::mutex mu_;
  std::map<std::string, int> by_instance_;  // guarded by mu_
  std::map<int64_t, int> by_user_;          // guarded by mu_
  std::atomic<uint64_t> refused_instance_{0};
  std::atomic<uint64_t> refused_user_{0};
};

}  // namespace vmi::node::live
