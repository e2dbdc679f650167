// Audio on the viewer WebSocket: messages 0x20-0x2f of the streaming
// protocol (src/stream/web/README.md gives those types to audio), and
// ViewerAudioLink, which binds one viewer connection to one instance's
// AudioDevice. web/src/audio/protocol.ts mirrors this file; the layouts are
// drawn in docs/audio.md and pinned by viewer_audio_test.cc.
//
//   0x20 AUDIO_OPUS  server -> client  one Opus packet of the instance's sound
//   0x21 MIC_OPUS    client -> server  one Opus packet of the viewer's microphone
//
// Threads: the codec functions are pure. ViewerAudioLink is created and
// destroyed on the transport's thread; OnClientMessage runs there too; its
// subscription callback runs on the audio hub's loop thread. After the
// destructor returns no callback touches `send` again.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "base/result.h"
#include "devices/audio/opus_packet.h"

namespace vmi::audio {

class AudioDevice;

inline constexpr uint8_t kWsAudioOpus = 0x20;
inline constexpr uint8_t kWsMicOpus = 0x21;
inline constexpr size_t kWsAudioHeaderBytes = 20;
inline constexpr size_t kWsMicHeaderBytes = 16;

std::string EncodeWsAudioOpus(const OpusPacket& p);

struct WsMicPacket {
  uint32_t seq = 0;
  int64_t timestamp_us = 0;  // the browser's clock; informational
  std::span<const uint8_t> opus;
};
// Strict: known type, zero reserved bytes, 1..1500 bytes of Opus.
Result<WsMicPacket> ParseWsMic(std::span<const uint8_t> msg);

class ViewerAudioLink {
 public:
  // send: the viewer session's SendAudio (thread-safe; may drop when the
  // viewer is backed up, which is the right thing for late audio).
  ViewerAudioLink(AudioDevice* device, std::function<bool(std::string)> send);
  ~ViewerAudioLink();
  ViewerAudioLink(const ViewerAudioLink&) = delete;
  ViewerAudioLink& operator=(const ViewerAudioLink&) = delete;

  // Only the viewer holding input control may feed the microphone
  // (docs/audio.md, routing policy). Default: not allowed.
  void SetMicrophoneAllowed(bool allowed) { mic_allowed_ = allowed; }
  // A client message of type 0x20-0x2f. An error means a malformed message
  // (the session should close the connection); an Opus packet the decoder
  // rejects is only counted by the device's MicIngress.
  Result<void> OnClientMessage(std::span<const uint8_t> msg);

 private:
  struct Shared {
    std::mutex mu;
    std::function<bool(std::string)> send;  // empty once the link is gone
  };
  AudioDevice* device_;
  // shared_ptr: the subscription callback on the audio thread may outlive
  // this object by one call; it holds the state, not the link.
  std::shared_ptr<Shared> shared_;
  uint64_t sub_ = 0;
  bool mic_allowed_ = false;
};

}  // namespace vmi::audio
