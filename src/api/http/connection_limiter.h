// ConnectionLimiter: caps on concurrent connections, in total and per client
// (a TCP peer address; over the Unix socket, a peer uid), so no single
// client - and no crowd of idle half-sent requests - can take every file
// descriptor of the daemon. The server asks TryAcquire() as it accepts and
// refuses over the cap with a short 503 and a close; the slot it gets back
// is held by the connection (and by its WebSocket after an upgrade) and
// frees itself when the last holder goes.
//
// Ownership: shared - a slot keeps its limiter alive, since a WebSocket a
// handler still holds may outlive the server.
// Threads: thread-safe (one mutex; acquire and release are O(log clients)).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace vmi::api {

struct ConnectionStats {
  uint64_t open = 0;                 // connections now
  uint64_t refused_total = 0;        // over max_connections
  uint64_t refused_per_client = 0;   // over max_connections_per_client
  uint64_t header_timeouts = 0;      // closed while a request header was pending
};

class ConnectionLimiter : public std::enable_shared_from_this<ConnectionLimiter> {
 public:
  class Slot {
   public:
    Slot(std::shared_ptr<ConnectionLimiter> limiter, std::string client)
        : limiter_(std::move(limiter)), client_(std::move(client)) {}
    ~Slot() { limiter_->Release(client_); }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    std::shared_ptr<ConnectionLimiter> limiter_;
    std::string client_;
  };

  enum class Refusal { kNone, kTotal, kPerClient };

  ConnectionLimiter(int max_total, int max_per_client)
      : max_total_(max_total), max_per_client_(max_per_client) {}

  // A slot, or null with `why` set. Shared: the HTTP connection and the
  // WebSocket it becomes both hold it. The limiter must be owned by a
  // shared_ptr.
  std::shared_ptr<Slot> TryAcquire(const std::string& client, Refusal* why);
  void CountHeaderTimeout() { header_timeouts_.fetch_add(1); }
  ConnectionStats stats() const;

 private:
  void Release(const std::string& client);

  const int max_total_;
  const int max_per_client_;
  mutable std::mutex mu_;
  std::map<std::string, int> per_client_;  // guarded by mu_
  int open_ = 0;                           // guarded by mu_
  std::atomic<uint64_t> refused_total_{0};
  std::atomic<uint64_t> refused_per_client_{0};
  std::atomic<uint64_t> header_timeouts_{0};
};

}  // namespace vmi::api
