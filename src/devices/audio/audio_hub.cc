#include "devices/audio/audio_hub.h"

#include <time.h>

#include <algorithm>
#include <cstdlib>

#include "base/log.h"

namespace vmi::audio {

Result<std::unique_ptr<AudioHub>> AudioHub::Create(EventLoop* loop) {
  std::unique_ptr<AudioHub> h(new AudioHub());
  h->loop_ = loop;
  h->out_.resize(2 * kBlockFrames);
  h->t0_us_ = MonotonicMicros();
  AudioHub* raw = h.get();
  // The timer only wakes us; how many blocks are due comes from the clock,
  // so late wake-ups do not slow the virtual sound card down (nor does a
  // timer in whole milliseconds shorter than a block).
  h->timer_ = VMI_TRY_CTX(loop->AddTimer(
                              std::chrono::milliseconds(std::max<int64_t>(1, kBlockUs / 1000)),
                              [raw] { raw->OnTimer(); },
                              /*repeat=*/true),
                          "audio clock");
  return h;
}

AudioHub::~AudioHub() {
  loop_->CancelTimer(timer_);
  devices_.clear();
}

Result<AudioDevice*> AudioHub::AddDevice(const std::string& instance, const std::string& devdir) {
  if (devices_.count(instance))
    return Error(ErrorCode::kAlreadyExists, "audio device exists for " + instance);
  auto d = VMI_TRY_CTX(AudioDevice::Create(instance, devdir, loop_), "audio device " + instance);
  AudioDevice* raw = d.get();
  devices_[instance] = std::move(d);
  return raw;
}

void AudioHub::RemoveDevice(const std::string& instance) { devices_.erase(instance); }

AudioDevice* AudioHub::device(const std::string& instance) {
  auto it = devices_.find(instance);
  return it == devices_.end() ? nullptr : it->second.get();
}

uint64_t AudioHub::AddMixListener(MixCallback cb) {
  uint64_t id = next_listener_++;
  listeners_[id].cb = std::move(cb);
  return id;
}

void AudioHub::RemoveMixListener(uint64_t id) { listeners_.erase(id); }

void AudioHub::SetMixInput(uint64_t listener, const std::string& instance, float volume,
                           bool muted) {
  auto it = listeners_.find(listener);
  if (it == listeners_.end()) return;
  it->second.inputs[instance] = Input{std::clamp(volume, 0.0f, 1.0f), muted};
}

void AudioHub::RemoveMixInput(uint64_t listener, const std::string& instance) {
  auto it = listeners_.find(listener);
  if (it != listeners_.end()) it->second.inputs.erase(instance);
}

void AudioHub::OnTimer() {
  const int64_t block_us = kBlockUs;
  int64_t now = MonotonicMicros();
  uint64_t due = static_cast<uint64_t>((now - t0_us_) / block_us);
  if (due > ticks_ + kMaxCatchUp) {
    VMI_LOG(WARN) << "audio clock fell " << (due - ticks_) * block_us / 1000
                  << " ms behind; skipping";
    ticks_ = due - 1;
  }
  // Pacing runs on CLOCK_MONOTONIC; timestamps are on the video's clock
  // (Unix epoch microseconds, src/stream/web/README.md) for A/V sync.
  // The offset is re-read only when the wall clock stepped by more than
  // 2 ms, so consecutive packets stay exactly one duration apart.
  const int64_t to_unix = WallMicros() - now;
  if (std::llabs(to_unix - to_unix_us_) > 2000) to_unix_us_ = to_unix;
  while (ticks_ < due) {
    TickAll(t0_us_ + static_cast<int64_t>(ticks_) * block_us + to_unix_us_);
    ++ticks_;
  }
}

void AudioHub::SetCallPeer(const std::string& a, const std::string& b) {
  if (a == b) return;
  ClearCallPeer(a);
  ClearCallPeer(b);
  call_peers_[a] = b;
  call_peers_[b] = a;
}

void AudioHub::ClearCallPeer(const std::string& instance) {
  auto it = call_peers_.find(instance);
  if (it == call_peers_.end()) return;
  call_peers_.erase(it->second);
  call_peers_.erase(it);
}

std::string AudioHub::call_peer(const std::string& instance) const {
  auto it = call_peers_.find(instance);
  return it == call_peers_.end() ? std::string() : it->second;
}

namespace {

void LogLinkEnd(const std::string& instance, const CallLink& l, const std::string& why) {
  const auto& s = l.stats();
  VMI_ILOG(INFO, instance) << "call link with " << l.peer() << " ended (" << why << "): "
                           << s.sent << " blocks sent, " << s.received << " received, "
                           << s.played << " played, " << s.late << " ticks late, "
                           << s.dropped << " dropped";
}

}  // namespace

void AudioHub::SetCallLink(const std::string& instance, std::unique_ptr<CallLink> link) {
  EndCallLink(instance);
  VMI_ILOG(INFO, instance) << "call link with " << link->peer() << " up";
  call_links_[instance] = std::move(link);
}

void AudioHub::EndCallLink(const std::string& instance) {
  auto it = call_links_.find(instance);
  if (it == call_links_.end()) return;
  LogLinkEnd(instance, *it->second, "hung up here");
  call_links_.erase(it);
}

const CallLink* AudioHub::call_link(const std::string& instance) const {
  auto it = call_links_.find(instance);
  return it == call_links_.end() ? nullptr : it->second.get();
}

void AudioHub::TickAll(int64_t ts) {
  // In-call: every bridged device's microphone block first, so its peer's
  // output carries it in this same block.
  std::map<std::string, const float*> call_in;
  for (auto& [name, peer] : call_peers_) {
    auto d = devices_.find(peer);
    if (d != devices_.end()) call_in[name] = d->second->PullMicrophone();
  }
  // A peer in another process: this block's microphone goes out, the block
  // the peer sent last comes in.
  for (auto it = call_links_.begin(); it != call_links_.end();) {
    auto d = devices_.find(it->first);
    const float* in = it->second->Exchange(d == devices_.end() ? nullptr : d->second->PullMicrophone());
    if (it->second->closed()) {
      LogLinkEnd(it->first, *it->second, it->second->close_reason());
      it = call_links_.erase(it);
      continue;
    }
    if (in) call_in[it->first] = in;
    ++it;
  }
  // Which devices someone listens to through a mix (subscribers are
  // checked by the device itself).
  std::map<std::string, const float*> blocks;
  for (auto& [name, d] : devices_) {
    bool in_mix = false;
    for (auto& [id, l] : listeners_) {
      auto it = l.inputs.find(name);
      if (it != l.inputs.end() && !it->second.muted && it->second.volume > 0) in_mix = true;
    }
    auto in = call_in.find(name);
    blocks[name] = d->Tick(ts, in_mix, in == call_in.end() ? nullptr : in->second);
  }
  for (auto& [id, l] : listeners_) {
    std::fill(out_.begin(), out_.end(), 0.0f);
    for (auto& [name, in] : l.inputs) {
      auto b = blocks.find(name);
      if (b == blocks.end() || in.muted) continue;
      for (size_t i = 0; i < out_.size(); ++i) out_[i] += in.volume * b->second[i];
    }
    for (float& x : out_) x = std::clamp(x, -1.0f, 1.0f);
    l.cb(out_.data(), kBlockFrames, ts);
  }
}

}  // namespace vmi::audio
