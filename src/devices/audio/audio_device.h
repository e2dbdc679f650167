// AudioDevice: the per-instance audio proxy server (seed 002's "proxy
// server"). Listens on <devdir>/audio.sock, owns every stream of the
// instance, mixes its playback streams into one 48 kHz stereo output per
// 5 ms block (host_format.h), encodes that output to Opus for subscribers, and feeds the
// viewer's microphone into the instance's capture streams.
//
// Ownership: owned by the AudioHub; owns the listening socket (unlinked on
// destruction), the streams, the encoder and the microphone ingress.
// Bounds: at most kMaxStreams streams (more connections are closed at once).
//
// Threads: created, ticked and destroyed on the hub's loop thread, where
// every guest message is handled. Thread-safe from any thread: Subscribe,
// Unsubscribe, SetVolume, SetMuted, microphone(). Subscriber callbacks run
// on the loop thread and must not block (push into a PacketQueue); a
// callback may still run once after Unsubscribe returns.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/event_loop.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "devices/audio/audio_stream.h"
#include "devices/audio/mic_ingress.h"
#include "devices/audio/opus_packetizer.h"

namespace vmi::audio {

using PacketCallback = std::function<void(const OpusPacket&)>;

class AudioDevice {
 public:
  static constexpr size_t kMaxStreams = 16;

  static Result<std::unique_ptr<AudioDevice>> Create(const std::string& instance,
                                                     const std::string& devdir, EventLoop* loop);
  ~AudioDevice();

  const std::string& instance() const { return instance_; }
  std::string socket_path() const { return devdir_ + "/audio.sock"; }

  // Transport-neutral output: Opus packets of this instance's sound.
  uint64_t Subscribe(PacketCallback cb);
  void Unsubscribe(uint64_t id);
  bool has_subscribers() const;

  // Host-side volume of the whole instance (0..kMaxVolume, applied before
  // every output: subscribers and mix listeners; above 1 the samples are
  // clipped to [-1, 1]). The guest's own volume is the guest's business
  // (seed 002: "as if there were no virtualization").
  static constexpr float kMaxVolume = 1.5f;
  void SetVolume(float v) { volume_.store(std::clamp(v, 0.0f, kMaxVolume)); }
  void SetMuted(bool m) { muted_.store(m); }
  float volume() const { return volume_.load(); }
  bool muted() const { return muted_.load(); }

  MicIngress& microphone() { return *mic_; }

  // One block's step of the virtual sound card (loop thread). `listened`:
  // someone needs the PCM (a subscriber or a mix listener); otherwise
  // streams are consumed without being read (fake playback). Returns the
  // instance's block (2 * kBlockFrames floats, volume applied).
  //
  // Silence: once the output has been digital silence (every sample 0: no
  // stream playing, or muted) for kSilenceHangoverBlocks blocks, no Opus
  // packets are encoded or sent until sound returns; the encoder then starts
  // clean and the packets carry the block clock's timestamps, so a player
  // scheduling by timestamp plays the gap as silence. An idle desktop with
  // viewers costs neither encoder time nor bytes.
  //
  // `call_in` (2 * kBlockFrames floats, or null): the far end's voice while
  // the instance is in a call (AudioHub::SetCallPeer), added to the output
  // like one more playback stream, so every listener of the instance hears
  // the call.
  static constexpr int kSilenceHangoverBlocks = static_cast<int>(200000 / kBlockUs);  // 200 ms
  const float* Tick(int64_t timestamp_us, bool listened, const float* call_in = nullptr);

  // Takes this block's microphone audio (MicIngress::Pull) if Tick has not
  // yet for this block, and returns it (2 * kBlockFrames floats). The hub
  // calls it before ticking the devices, so a call peer's Tick can carry it
  // in the same block; Tick then hands the same block to the guest's capture
  // streams.
  const float* PullMicrophone();

  // Loop-thread introspection for tests and the API.
  size_t stream_count() const { return streams_.size(); }
  size_t running_playback() const;
  uint64_t frames_played() const { return frames_played_; }
  // True while silence holds the Opus stream back.
  bool silence_gated() const { return gated_; }

 private:
  AudioDevice() = default;
  void OnAccept();
  void OnStream(uint32_t id);
  void DropStream(uint32_t id, const std::string& why);

  std::string instance_;
  std::string devdir_;
  EventLoop* loop_ = nullptr;
  UniqueFd listen_;
  std::map<uint32_t, std::unique_ptr<AudioStream>> streams_;
  uint32_t next_stream_ = 1;
  std::unique_ptr<OpusPacketizer> encoder_;
  std::unique_ptr<MicIngress> mic_;
  std::vector<float> mix_ = std::vector<float>(2 * kBlockFrames);
  std::vector<float> mic_block_ = std::vector<float>(2 * kBlockFrames);
  bool mic_pulled_ = false;  // mic_block_ holds this block's audio already
  std::atomic<float> volume_{1.0f};
  std::atomic<bool> muted_{false};
  uint64_t frames_played_ = 0;

  mutable std::mutex subs_mu_;
  // shared_ptr: Tick() snapshots the list under the lock and calls outside
  // it, so a callback can Unsubscribe itself without deadlock.
  std::map<uint64_t, std::shared_ptr<PacketCallback>> subs_;
  uint64_t next_sub_ = 1;
  bool had_subscribers_ = false;
  int silent_blocks_ = 0;  // consecutive all-zero output blocks
  bool gated_ = false;     // silence holds the packets back
};

}  // namespace vmi::audio
