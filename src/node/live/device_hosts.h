// DeviceHosts: one supervised device host process (vmi-devhost) per running
// instance (docs/architecture.md, "The device host").
//
// When an instance starts running (or is found running when the daemon
// starts) its device host is started, or adopted: a device host outlives
// the daemon, and the next daemon finds it again by the pid and start time
// in <instance dir>/devhost.pid, as it finds the instance's monitor. When
// the instance leaves `running` its device host is stopped (SIGTERM, then
// SIGKILL after 3 s) before the state change returns, so a restarted
// instance can serve its sockets again at once. A device host that dies
// while its instance runs is started again after a backoff (100 ms, doubled
// for each death within 10 s of a start, at most 5 s) and the crash and the
// restart are published as `device_host` events; the guest is not touched.
//
// Each device host runs in a cgroup of its own beside the guest's
// (DeviceHostCgroup), so what its capture, encoders and sound cost is
// charged to the instance, not to the daemon.
//
// Threads: public methods are thread-safe. One thread ("vmi-devhosts") runs
// an event loop that watches every device host's pidfd and restarts the
// ones that die; state notifications (the manager's threads) and the
// destructor hand their work to it and wait.
// Ownership: create after the InstanceManager, destroy before it. The
// destructor leaves every device host running (the next daemon adopts it).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "devices/host/control_message.h"
#include "node/instance_manager.h"
#include "devices/audio/audio_host.h"
#include "node/live/mix_source.h"

namespace vmi::node::live {

struct DeviceHostOptions {
  std::string devhost_path;  // the vmi-devhost binary
  bool audio = true;         // a sound card per instance
  // vmi-modem's line socket: each device host serves its instance's modem
  // and connects its line there. Empty: the device hosts have no modem.
  std::string modem_line;
  // A device host died, or was started again: {"event":"exited"|"restarted", ...}.
  std::function<void(const InstanceRecord&, const nlohmann::json&)> on_event;
};

class DeviceHosts {
 public:
  static Result<std::unique_ptr<DeviceHosts>> Create(InstanceManager& manager,
                                                     DeviceHostOptions options);
  ~DeviceHosts();
  DeviceHosts(const DeviceHosts&) = delete;
  DeviceHosts& operator=(const DeviceHosts&) = delete;

  // The instance's record by id or name, without waiting for an operation
  // on it (an id prefix goes through InstanceManager::Get, which may).
  Result<InstanceRecord> Find(const std::string& id_or_name) const;

  // Sends a request to the device host of a running instance. One that is
  // being started or restarted is waited for (up to 3 s); an instance that
  // does not run is kFailedPrecondition. `wait_ready` false: a device host
  // that does not listen is kUnavailable at once (for callers on an io
  // thread, which must not wait).
  Result<devhost::Message> Call(const std::string& id, const devhost::Message& request,
                                std::chrono::milliseconds timeout = std::chrono::seconds(10),
                                bool wait_ready = true);

  // In-call audio between two running instances (node/call_audio.h): both
  // device hosts get one end of a new socket pair ("call" op) and each plays
  // the other's microphone (audio::CallLink). The pair is remembered until
  // EndCall: when either device host is restarted (or the instance is
  // started again) the two are linked again, so the call's sound survives
  // a device host crash. Linking a pair already linked does nothing; a new
  // peer replaces the old one.
  Result<void> LinkCall(const std::string& a, const std::string& b);
  // Ends the call of `id` (and its peer's side), if any.
  void EndCall(const std::string& id);
  // The instance's call peer ("" if none), as remembered here.
  std::string call_peer(const std::string& id) const;

  // Keeps `hold` until the peer of `lease` hangs up: a viewer's lease from
  // its device host (the "viewer" reply), which ends when the viewer leaves
  // or the device host dies. A viewer cap's ticket rides on it. Leases are
  // dropped with this object (a restarted daemon counts anew).
  void HoldWhileOpen(UniqueFd lease, std::shared_ptr<void> hold);

  // The instance's host volume and mute, kept for the daemon's lifetime
  // and given to each device host it starts.
  audio::AudioSettings settings(const std::string& id) const;
  // Keeps them and applies them to the running device host, if any.
  Result<void> SetSettings(const std::string& id, audio::AudioSettings s);

  // Ids of the instances that have a device host.
  std::vector<std::string> Running() const;
  // The device host's pid (0: none) and how many times it was restarted.
  pid_t pid(const std::string& id) const;
  int restarts(const std::string& id) const;
  std::string SocketPath(const std::string& id) const;
  // The mix of several instances' sound (DeviceHostMixer); null without sound.
  std::shared_ptr<MixSource> mixer() const;

 private:
  struct Core;
  explicit DeviceHosts(std::shared_ptr<Core> core);
  std::shared_ptr<Core> core_;  // the manager's listener holds it weakly
};

}  // namespace vmi::node::live
