// DeviceHostMixer: the MixSource of a daemon whose instances' sound cards
// live in device hosts (mix_source.h). For every instance some listener
// mixes, it opens an audio tap on that instance's device host (op
// "audio_tap", devices/host/control_message.h) and reads its output blocks;
// on its own 5 ms clock it hands each listener the sum of its inputs' next
// blocks at the listener's volume and mute, as AudioHub does for local
// devices. A tap keeps up to 40 ms of blocks (it starts playing at 15 ms);
// an input with nothing buffered (a stopped instance, a device host being
// restarted) is silent. A tap that closes is opened again every second
// while someone still mixes that instance.
//
// The sound of the wall and of `vmi listen` thus crosses the daemon (one
// PCM stream per mixed instance over a local socket, 384 KB/s); the
// viewers' video and sound do not.
//
// Ownership: shared (the mix routes hold it, as they hold AudioHost).
// Threads: one thread ("vmi-mix") runs an event loop: taps, clock,
// listener callbacks. The MixSource methods post to it and wait.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "base/event_loop.h"
#include "node/live/mix_source.h"

namespace vmi::node::live {

class DeviceHostMixer : public MixSource {
 public:
  // `socket_path` names an instance's device host control socket.
  static Result<std::shared_ptr<DeviceHostMixer>> Create(
      std::function<std::string(const std::string& id)> socket_path);
  ~DeviceHostMixer() override;

  uint64_t AddMixListener(audio::MixCallback cb) override;
  void SetMixInput(uint64_t listener, const std::string& id, float volume, bool muted) override;
  void RemoveMixListener(uint64_t listener) override;

 private:
  struct Impl;
  explicit DeviceHostMixer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vmi::node::live
