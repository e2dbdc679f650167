#include "devices/audio/viewer_audio.h"

#include "devices/audio/audio_device.h"

namespace vmi::audio {
namespace {

void Put(std::string& s, size_t off, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) s[off + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
uint64_t Get(std::span<const uint8_t> b, size_t off, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= uint64_t{b[off + i]} << (8 * i);
  return v;
}

}  // namespace

std::string EncodeWsAudioOpus(const OpusPacket& p) {
  std::string s(kWsAudioHeaderBytes, '\0');
  s[0] = static_cast<char>(kWsAudioOpus);
  Put(s, 4, static_cast<uint32_t>(p.seq), 4);
  Put(s, 8, static_cast<uint64_t>(p.timestamp_us), 8);
  Put(s, 16, p.duration_us, 4);
  s.append(reinterpret_cast<const char*>(p.data.data()), p.data.size());
  return s;
}

Result<WsMicPacket> ParseWsMic(std::span<const uint8_t> m) {
  auto bad = [](const char* why) { return Error(ErrorCode::kInvalidArgument, why); };
  if (m.size() < kWsMicHeaderBytes) return bad("audio message too short");
  if (m[0] != kWsMicOpus) return bad("unknown audio message type");
  if (m[1] || m[2] || m[3]) return bad("audio message reserved bytes not zero");
  size_t n = m.size() - kWsMicHeaderBytes;
  if (n == 0 || n > 1500) return bad("microphone packet size out of range");
  WsMicPacket p;
  p.seq = static_cast<uint32_t>(Get(m, 4, 4));
  p.timestamp_us = static_cast<int64_t>(Get(m, 8, 8));
  p.opus = m.subspan(kWsMicHeaderBytes);
  return p;
}

ViewerAudioLink::ViewerAudioLink(AudioDevice* device, std::function<bool(std::string)> send)
    : device_(device), shared_(std::make_shared<Shared>()) {
  shared_->send = std::move(send);
  sub_ = device_->Subscribe([s = shared_](const OpusPacket& p) {
    std::lock_guard lock(s->mu);
    if (s->send) s->send(EncodeWsAudioOpus(p));
  });
}

ViewerAudioLink::~ViewerAudioLink() {
  device_->Unsubscribe(sub_);
  std::lock_guard lock(shared_->mu);
  shared_->send = nullptr;
}

Result<void> ViewerAudioLink::OnClientMessage(std::span<const uint8_t> msg) {
  auto p = VMI_TRY(ParseWsMic(msg));
  if (!mic_allowed_) return Ok();  // not the controlling viewer: dropped
  (void)device_->microphone().Feed(p.opus);
  return Ok();
}

}  // namespace vmi::audio
