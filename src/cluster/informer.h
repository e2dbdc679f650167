// Informer: a cache of one kind of object in one namespace, kept current by
// list + watch (the Kubernetes API's documented protocol):
//
//   1. LIST  (labelSelector)                  -> items + list resourceVersion
//   2. WATCH ?resourceVersion=RV&allowWatchBookmarks=true&timeoutSeconds=T
//        ADDED / MODIFIED / DELETED           -> cache, RV = the object's
//        BOOKMARK                             -> RV only (no object change)
//        ERROR with code 410 (Gone: RV was compacted away) -> back to 1
//      the server ends the watch after T     -> 2 again from the last RV
//   Any other failure: back off (100 ms doubling to 5 s) and retry; a
//   non-2xx answer to a watch relists (always correct, only costlier).
//
// on_change(name, object) is called on the informer's thread for every
// object that changed (object: its latest state, or the last one known
// before it was deleted); keep it short (enqueue the name).
//
// Threads: one of its own. Get/Names/stats are thread-safe. Stop() returns
// after the current watch ends (at most T seconds).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cluster/kube_client.h"

namespace vmi::cluster {

class Informer {
 public:
  struct Options {
    std::string api_version;  // "v1", "vmi.dev/v1"
    std::string resource;     // "pods", "phones"
    std::string ns;
    std::string label_selector;  // "k=v", or empty
    int watch_timeout_seconds = 60;
  };
  struct Stats {
    int lists = 0;
    int watches = 0;
    int gone = 0;       // 410 answers that forced a relist
    int bookmarks = 0;
    int events = 0;     // ADDED / MODIFIED / DELETED applied
  };
  using OnChange = std::function<void(const std::string& name, const Json& object)>;

  Informer(KubeConfig config, Options options, OnChange on_change);
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void Start();
  void Stop();

  std::optional<Json> Get(const std::string& name) const;
  std::vector<std::string> Names() const;
  bool synced() const { return synced_; }
  std::string resource_version() const;
  Stats stats() const;

 private:
  void Loop();
  Result<void> List(KubeClient& client);
  // Returns true to relist.
  Result<bool> WatchOnce(KubeClient& client);
  void SleepFor(std::chrono::milliseconds d);

  const KubeConfig config_;
  const Options options_;
  const OnChange on_change_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Json> objects_;
  std::string rv_;
  Stats stats_;
  std::atomic<bool> synced_{false};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace vmi::cluster
