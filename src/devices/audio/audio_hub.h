// AudioHub: the host's virtual sound card clock, the per-instance audio
// devices, and the mixer for listeners of several instances.
//
// Every block (5 ms, host_format.h) of CLOCK_MONOTONIC the hub ticks each
// device once (consuming one block of every running playback stream at
// real-time pace, whether or not anyone listens: fake playback), then hands
// each mix listener the sum
// of its instances' blocks, each scaled by that listener's own volume and
// mute for that instance. If the loop falls more than kMaxCatchUp blocks
// (200 ms) behind, the missed time is skipped rather than burst through.
//
// Ownership: owns the devices; borrows the EventLoop, which must outlive it.
// Threads: every method runs on the loop thread (other threads Post to it),
// except the thread-safe AudioDevice methods named in audio_device.h. Mix
// callbacks run on the loop thread and must not block.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/event_loop.h"
#include "base/result.h"
#include "devices/audio/audio_device.h"
#include "devices/audio/call_link.h"

namespace vmi::audio {

// A block of mixed 48 kHz stereo: 2 * frames floats (frames = kBlockFrames),
// starting at timestamp_us (Unix epoch microseconds).
using MixCallback = std::function<void(const float* block, size_t frames, int64_t timestamp_us)>;

class AudioHub {
 public:
  static constexpr int kMaxCatchUp = static_cast<int>(200000 / kBlockUs);

  static Result<std::unique_ptr<AudioHub>> Create(EventLoop* loop);
  ~AudioHub();

  Result<AudioDevice*> AddDevice(const std::string& instance, const std::string& devdir);
  void RemoveDevice(const std::string& instance);
  AudioDevice* device(const std::string& instance);

  // A listener of several instances (a "wall", a local monitor).
  uint64_t AddMixListener(MixCallback cb);
  void RemoveMixListener(uint64_t id);
  // Adds or updates one instance in a listener's mix.
  void SetMixInput(uint64_t listener, const std::string& instance, float volume, bool muted);
  void RemoveMixInput(uint64_t listener, const std::string& instance);

  // In-call mode (seed 002, "interaction with telephony"): while `a` and
  // `b` are in a call with each other, each block of a's microphone is
  // played at b's output and b's at a's, in the same block (the bridge adds
  // no buffering of its own). An instance has at most one peer; setting a
  // new one ends the old bridge. Either side may have no device yet (it is
  // silent until it has).
  void SetCallPeer(const std::string& a, const std::string& b);
  // Ends the bridge of `instance`, if any (both directions).
  void ClearCallPeer(const std::string& instance);
  std::string call_peer(const std::string& instance) const;

  // In-call mode with a peer in another process (CallLink: each instance's
  // device host has its own hub). Every block, `instance`'s microphone goes
  // out on the link and what the peer sent is played at its output. One
  // link per instance: a new one replaces the old. A link the far end hangs
  // up is dropped at the next tick (and logged with its counts).
  void SetCallLink(const std::string& instance, std::unique_ptr<CallLink> link);
  // Ends the instance's link, if any (the far end sees it hang up).
  void EndCallLink(const std::string& instance);
  const CallLink* call_link(const std::string& instance) const;

  uint64_t ticks() const { return ticks_; }

 private:
  AudioHub() = default;
  void OnTimer();
  void TickAll(int64_t timestamp_us);

  struct Input {
    float volume = 1.0f;
    bool muted = false;
  };
  struct Listener {
    MixCallback cb;
    std::map<std::string, Input> inputs;
  };

  EventLoop* loop_ = nullptr;
  EventLoop::TimerId timer_ = 0;
  std::map<std::string, std::unique_ptr<AudioDevice>> devices_;
  std::map<uint64_t, Listener> listeners_;
  std::map<std::string, std::string> call_peers_;  // both directions
  std::map<std::string, std::unique_ptr<CallLink>> call_links_;
  uint64_t next_listener_ = 1;
  int64_t t0_us_ = 0;       // CLOCK_MONOTONIC of tick 0
  int64_t to_unix_us_ = 0;  // CLOCK_REALTIME - CLOCK_MONOTONIC
  uint64_t ticks_ = 0;
  std::vector<float> out_;
};

}  // namespace vmi::audio
