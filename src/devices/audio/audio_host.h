// AudioHost: the node daemon's virtual sound card (docs/audio.md). One
// AudioHub on a thread of its own ("vmi-audio"), with one AudioDevice per
// running instance listening at <devdir>/audio.sock, added when the
// instance starts running and removed when it stops, exits or restarts
// (InstanceLive). Nobody listening is fine: the hub's fake playback keeps
// every guest's clock running.
//
// It also keeps each instance's host volume and mute (the REST API's
// /api/v1/instances/{id}/audio) for the daemon's lifetime, so they survive
// a stop/start of the instance; they are applied to the device whenever it
// is added.
//
// Ownership: shared (shared_ptr) by the device host and its InstanceLive,
// because an InstanceLive may outlive the service (a browser connection
// still closing holds it) and must remove its device from a live hub. The
// hub, its loop and thread live until the last owner lets go. A device
// pointer returned by Add() is valid until Remove() of that instance.
// Threads: every public method is thread-safe. Add and Remove run on the
// audio thread and wait for it; they must not be called from it (from a
// subscriber callback).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/event_loop.h"
#include "base/result.h"
#include "devices/audio/audio_device.h"
#include "devices/audio/audio_hub.h"

namespace vmi::audio {

// The host audio settings of one instance.
struct AudioSettings {
  float volume = 1.0f;  // 0..audio::AudioDevice::kMaxVolume
  bool muted = false;
};

class AudioHost {
 public:
  static Result<std::shared_ptr<AudioHost>> Create();
  ~AudioHost();
  AudioHost(const AudioHost&) = delete;
  AudioHost& operator=(const AudioHost&) = delete;

  // Serves <devdir>/audio.sock for the instance (replacing a device the
  // instance still had), with the instance's kept settings.
  Result<audio::AudioDevice*> Add(const std::string& id, const std::string& devdir);
  // Removes the instance's device (its socket is unlinked; connected guest
  // programs see -ENODEV). No-op if it has none. After Remove returns, no
  // callback of that device runs any more.
  void Remove(const std::string& id);

  AudioSettings settings(const std::string& id) const;
  // Keeps the settings and applies them to the instance's device, if any.
  void SetSettings(const std::string& id, AudioSettings s);

  // A mix listener ("wall", local monitor; docs/audio.md, routing rule 3):
  // `cb` gets the blocks of its inputs' mix on the audio thread and must not
  // block. An input that has no device (the instance is stopped) is silent
  // until the instance runs again. After RemoveMixListener returns, `cb`
  // runs no more.
  uint64_t AddMixListener(audio::MixCallback cb);
  void SetMixInput(uint64_t listener, const std::string& id, float volume, bool muted);
  void RemoveMixListener(uint64_t listener);

  // In-call audio with an instance whose sound card is in another device
  // host (audio::CallLink, AudioHub::SetCallLink): the daemon hands both
  // device hosts one end of a socket pair while a call between them is up
  // ("call" op) and ends it at hang-up ("call_end"). A link whose far end
  // hangs up (the peer's device host died) is dropped by the hub; the
  // daemon links the two again once it has restarted that device host.
  void SetCallLink(const std::string& id, UniqueFd fd, const std::string& peer);
  void EndCallLink(const std::string& id);
  // The link's peer ("" if none) and counts.
  struct CallState {
    std::string peer;
    audio::CallLink::Stats stats;
  };
  CallState call_state(const std::string& id);

  // For tests and diagnostics. device(): null if the instance has none;
  // valid until Remove().
  size_t device_count() const;
  audio::AudioDevice* device(const std::string& id) const;

 private:
  AudioHost() = default;
  // Runs fn on the audio thread and waits for it.
  void Call(const std::function<void()>& fn);

  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<audio::AudioHub> hub_;  // used on the audio thread only
  std::thread thread_;

  mutable std::mutex mu_;  // guards the fields below
  std::map<std::string, AudioSettings> settings_;
  std::map<std::string, audio::AudioDevice*> devices_;
};

}  // namespace vmi::audio
