// LeaseElector: leader election on a coordination.k8s.io/v1 Lease, so that
// exactly one control-plane replica reconciles (client-go's protocol):
//
//   every retry period:
//     GET the Lease (404: POST one naming us; 409 there: someone was faster)
//     held by another, and its record (holder, renewTime) changed within the
//       last lease duration, as measured by OUR clock since we saw it
//       change (no trust in clocks across machines)  -> follower
//     else PUT it naming us, with the resourceVersion we read: 409 Conflict
//       means another replica wrote first            -> follower this round
//   a leader that cannot renew for the lease duration steps down.
//   Stop() as leader releases the Lease (holder "") for a quick hand-over.
//
// on_change(true/false) runs on the elector's thread at each transition.
//
// Threads: one of its own; leader() is thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "cluster/kube_client.h"

namespace vmi::cluster {

class LeaseElector {
 public:
  struct Options {
    std::string ns;
    std::string name = "vmi-controller";
    std::string identity;  // this replica (its Pod name)
    std::chrono::milliseconds lease_duration{15000};
    std::chrono::milliseconds retry_period{2000};
  };
  using OnChange = std::function<void(bool leading)>;

  LeaseElector(KubeConfig config, Options options, OnChange on_change);
  ~LeaseElector();
  LeaseElector(const LeaseElector&) = delete;
  LeaseElector& operator=(const LeaseElector&) = delete;

  void Start();
  void Stop();
  bool leader() const { return leader_; }
  int transitions_seen() const { return transitions_seen_; }

 private:
  using Clock = std::chrono::steady_clock;
  void Loop();
  // One round; true when we hold the Lease afterwards.
  Result<bool> TryAcquireOrRenew(KubeClient& client);
  void Release(KubeClient& client);
  void SetLeader(bool leading);

  const KubeConfig config_;
  const Options options_;
  const OnChange on_change_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> leader_{false};
  std::atomic<int> transitions_seen_{0};
  // The last record seen and when (our clock) it last changed.
  std::string observed_record_;
  Clock::time_point observed_at_{};
  Clock::time_point last_renew_{};
  std::thread thread_;
};

// RFC 3339 with microseconds (the Lease's MicroTime), UTC, from the system clock.
std::string MicroTimeNow();

}  // namespace vmi::cluster
