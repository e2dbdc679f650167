// ModemClient: the daemon's side of vmi-modem's control socket.
//
// It connects to <state>/control.sock; when nothing answers there it starts
// vmi-modem itself, in its own session and detached, so the service outlives
// a daemon restart (the next daemon finds it at the same socket). When the
// connection drops (the service died) it reconnects or restarts it, then
// calls on_restart so the owner can replay the lines and endpoints.
//
// Threads: Call() is thread-safe and blocks up to its timeout. A reader
// thread ("vmi-modem-io") only matches replies to their calls and queues
// events; a dispatch thread ("vmi-modem-ev") runs on_event for each, in
// order. So a handler that blocks (say, on an instance lock held by a caller
// that waits in Call()) delays later events but never a reply, and may call
// Call() itself. The queue holds at most kMaxQueuedEvents; past that the
// oldest are dropped with a warning. on_restart runs on a third thread
// ("vmi-modem-sync") and may call Call() too.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "base/unique_fd.h"

namespace vmi::telephony {

struct ModemClientOptions {
  std::string state_dir;  // vmi-modem's --state
  std::string binary;     // path of vmi-modem
  std::string uplink;     // vmi-modem's --uplink (a D-Bus bus), empty: none
  // A cluster's vmi-modem (docs/kubernetes.md, "Telephony"): HOST:PORT of
  // its control port and the control token. Set, nothing is started here:
  // the client connects (and reconnects) to it.
  std::string address, token;
};

class ModemClient {
 public:
  using EventHandler = std::function<void(const std::string& instance, const nlohmann::json&)>;
  static constexpr size_t kMaxQueuedEvents = 4096;

  static Result<std::unique_ptr<ModemClient>> Start(ModemClientOptions options,
                                                    EventHandler on_event,
                                                    std::function<void()> on_restart);
  // Stops the reader thread. vmi-modem keeps running.
  ~ModemClient();

  // Sends one request ({"op":...,"instance":...}) and waits for its reply;
  // a reply with ok=false becomes an Error with the service's code.
  Result<nlohmann::json> Call(nlohmann::json request,
                              std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The service's pid (for tests that kill it).
  pid_t service_pid();

 private:
  ModemClient() = default;
  Result<UniqueFd> ConnectOrSpawn();
  void ReadLoop();
  void ResyncLoop();
  void DispatchLoop();
  void QueueEvent(nlohmann::json msg);

  ModemClientOptions options_;
  EventHandler on_event_;
  std::function<void()> on_restart_;
  std::mutex mu_;  // guards fd_ writes, replies_, next_id_
  std::condition_variable cv_;
  UniqueFd fd_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::optional<nlohmann::json>> replies_;
  std::atomic<bool> stop_{false};
  UniqueFd wake_;  // eventfd: wakes the reader on destruction
  bool resync_pending_ = false;
  std::mutex events_mu_;  // guards events_, dropped_events_
  std::condition_variable events_cv_;
  std::deque<nlohmann::json> events_;
  uint64_t dropped_events_ = 0;
  std::thread reader_;
  std::thread resync_;
  std::thread dispatch_;
};

}  // namespace vmi::telephony
