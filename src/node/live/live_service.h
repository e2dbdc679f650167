// LiveService: the live view of every running instance of the node (see
// README.md): one InstanceLive per running instance, started when the
// instance starts running and shut down when it stops, exits or restarts
// (InstanceManager::Subscribe), plus the node's InputRouter shared by the
// browser viewers and the VNC clients of all instances, and the node's
// AudioHost (one sound card per running instance, docs/audio.md).
//
// Lookups by id or name never wait for an instance operation (they use the
// manager's List() snapshot), so a WebSocket upgrade on the HTTP server's io
// thread does not block behind a `vmi stop` that holds the instance's lock
// for seconds.
//
// Threads: public methods are thread-safe. State notifications run on the
// manager's threads (with the instance's operation lock held: they only
// start and stop this instance's services). One upkeep thread ("vmi-live")
// ticks every instance's ScreenKeeper twice a second.
// Ownership: create after the InstanceManager, destroy before it (the
// subscription ignores notifications once the service is gone).
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "devices/input/input_router.h"
#include "node/instance_manager.h"
#include "node/live/instance_live.h"

namespace vmi::node::live {

class LiveService {
 public:
  static std::unique_ptr<LiveService> Create(InstanceManager& manager, LiveOptions options = {});
  ~LiveService();
  LiveService(const LiveService&) = delete;
  LiveService& operator=(const LiveService&) = delete;

  // The instance's record by id or name, without waiting for an operation
  // on it (an id prefix goes through InstanceManager::Get, which may).
  Result<InstanceRecord> Find(const std::string& id_or_name) const;
  // The services of a running instance; kFailedPrecondition otherwise.
  Result<std::shared_ptr<InstanceLive>> Get(const std::string& id) const;

  input::InputRouter& router();
  // The services of every running instance (a snapshot).
  std::vector<std::shared_ptr<InstanceLive>> Running() const;
  // The node's sound card host; null without sound (LiveOptions::audio
  // false, or it could not start).
  AudioHost* audio();
  // The same, shared: for a holder that may outlive the service (a mix
  // listener's WebSocket still closing).
  std::shared_ptr<AudioHost> shared_audio();

 private:
  struct Core;
  explicit LiveService(std::shared_ptr<Core> core);
  void Upkeep();

  // Shared with the manager's listener, which holds it weakly.
  std::shared_ptr<Core> core_;
  std::thread upkeep_;
};

}  // namespace vmi::node::live
