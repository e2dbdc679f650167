// AudioMix: one mix listener of the node's sound card host for a client
// ("wall" of several instances, a local monitor; docs/audio.md, routing
// rule 3). The hub sums the listed instances' outputs, each at the
// listener's own volume and mute; this encodes the sum to Opus once and
// hands each packet to `send` as a 0x20 AUDIO_OPUS message, the layout of
// the viewer WebSocket's sound, so the browser's player takes either.
//
// Digital silence is not sent after a 200 ms hangover (as for viewers);
// the encoder starts clean when sound resumes, and timestamps keep the gap.
// `send` may refuse (a client that does not read): the packet is dropped,
// never queued here.
//
// Control messages (text, JSON), one setting per message:
//   {"instance": "<id>", "volume": 0..1, "muted": bool}   (either field may be absent)
// naming an instance the listener was not opened with, a volume outside
// 0..1, a wrong type or an unknown field is an error (the route closes the
// connection with 1008 and the reason).
//
// Ownership: Open() registers with the host; Close() (or the destructor)
// unregisters and waits for the audio thread, after which `send` is never
// called again. The host is shared: it outlives this object.
// Threads: Open, Close and OnText from any thread except the audio thread;
// `send` runs on the audio thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "devices/audio/audio_host.h"
#include "node/live/mix_source.h"

namespace vmi::node::live {

class AudioMix {
 public:
  static constexpr size_t kMaxInstances = 64;

  // kOpus: 0x20 AUDIO_OPUS messages, digital silence not sent (a browser).
  // kWav: a WAV stream for players and files (a local monitor): the 44-byte
  // header of WavStreamHeader() first, then every block as 16-bit PCM,
  // silence included, so the stream keeps real time.
  enum class Encoding { kOpus, kWav };

  // `ids` are canonical instance ids (the caller checked each one), all at
  // volume 1, unmuted.
  static Result<std::unique_ptr<AudioMix>> Open(std::shared_ptr<audio::AudioHost> host,
                                                std::vector<std::string> ids,
                                                std::function<bool(std::string)> send,
                                                Encoding encoding = Encoding::kOpus);
  // The same over any MixSource (a daemon whose sound cards live in device
  // hosts: DeviceHostMixer).
  static Result<std::unique_ptr<AudioMix>> Open(std::shared_ptr<MixSource> host,
                                                std::vector<std::string> ids,
                                                std::function<bool(std::string)> send,
                                                Encoding encoding = Encoding::kOpus);
  ~AudioMix();
  AudioMix(const AudioMix&) = delete;
  AudioMix& operator=(const AudioMix&) = delete;

  Result<void> OnText(std::string_view text);
  void Close();

  struct Stats {
    uint64_t packets_sent = 0;
    uint64_t packets_dropped = 0;  // `send` refused
  };
  Stats stats() const;

 private:
  struct State;
  AudioMix() = default;

  std::shared_ptr<MixSource> host_;
  std::shared_ptr<State> state_;
  uint64_t listener_ = 0;
  std::mutex mu_;                                         // guards inputs_ and closed_
  std::map<std::string, std::pair<float, bool>> inputs_;  // id -> volume, muted
  bool closed_ = false;
};

// The node's AudioHost as a MixSource (null stays null).
std::shared_ptr<MixSource> MixSourceOf(std::shared_ptr<audio::AudioHost> host);

// The header of an endless WAV stream: RIFF/WAVE, PCM, 2 channels,
// 48000 Hz, 16 bits, with both sizes 0xFFFFFFFF ("until the end").
std::string WavStreamHeader();

// One control message of a mix client, parsed (the instance is not yet
// checked against the mix).
struct MixSetting {
  std::string instance;
  std::optional<float> volume;  // 0..1
  std::optional<bool> muted;
};
Result<MixSetting> ParseMixSetting(std::string_view text);

// Parses "id1,id2,...": non-empty, at most kMaxInstances, duplicates
// dropped (first order kept).
Result<std::vector<std::string>> ParseMixInstances(std::string_view list);

}  // namespace vmi::node::live
