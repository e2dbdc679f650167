#include "node/live/audio_mix.h"

#include <algorithm>
#include <atomic>
#include <cmath>

#include "api/http/response.h"
#include "devices/audio/opus_packetizer.h"
#include "devices/audio/viewer_audio.h"

namespace vmi::node::live {

namespace {
constexpr int64_t kSilenceHangoverUs = 200000;
}  // namespace

// Touched on the audio thread only, except the counters.
struct AudioMix::State {
  std::function<bool(std::string)> send;
  std::unique_ptr<audio::OpusPacketizer> opus;  // null: WAV
  int64_t last_sound_us = 0;                    // timestamp of the last block with sound
  bool gated = true;                            // sending nothing until sound starts
  std::atomic<uint64_t> sent{0}, dropped{0};

  void OnBlock(const float* block, size_t frames, int64_t ts) {
    const float* end = block + 2 * frames;
    if (!opus) {
      std::string pcm(4 * frames, '\0');
      for (size_t i = 0; i < 2 * frames; ++i) {
        auto v = static_cast<int16_t>(std::lrint(std::clamp(block[i], -1.0f, 1.0f) * 32767.0f));
        pcm[2 * i] = static_cast<char>(v & 0xff);
        pcm[2 * i + 1] = static_cast<char>((v >> 8) & 0xff);
      }
      if (send(std::move(pcm))) {
        ++sent;
      } else {
        ++dropped;
      }
      return;
    }
    bool sound = std::any_of(block, end, [](float x) { return x != 0.0f; });
    if (sound) {
      if (gated) opus->Reset();  // resume clean
      gated = false;
      last_sound_us = ts;
    } else if (gated || ts - last_sound_us > kSilenceHangoverUs) {
      gated = true;
      return;
    }
    opus->Feed(block, ts, [this](const audio::OpusPacket& p) {
      if (send(audio::EncodeWsAudioOpus(p))) {
        ++sent;
      } else {
        ++dropped;
      }
    });
  }
};

std::string WavStreamHeader() {
  std::string h;
  auto put = [&h](uint32_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) h.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  h += "RIFF";
  put(0xffffffffu, 4);
  h += "WAVEfmt ";
  put(16, 4);             // fmt chunk size
  put(1, 2);              // PCM
  put(2, 2);              // channels
  put(48000, 4);          // rate
  put(48000 * 2 * 2, 4);  // bytes per second
  put(4, 2);              // block align
  put(16, 2);             // bits
  h += "data";
  put(0xffffffffu, 4);
  return h;
}

Result<std::vector<std::string>> ParseMixInstances(std::string_view list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string id(list.substr(start, comma - start));
    if (id.empty())
      return Error(ErrorCode::kInvalidArgument, "instances: an empty name in the list");
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(std::move(id));
    if (out.size() > AudioMix::kMaxInstances)
      return Error(ErrorCode::kInvalidArgument,
                   "instances: at most " + std::to_string(AudioMix::kMaxInstances));
    start = comma + 1;
  }
  return out;
}

namespace {

// AudioHost's mix listeners, as a MixSource.
class AudioHostMix : public MixSource {
 public:
  explicit AudioHostMix(std::shared_ptr<audio::AudioHost> host) : host_(std::move(host)) {}
  uint64_t AddMixListener(audio::MixCallback cb) override {
    return host_->AddMixListener(std::move(cb));
  }
  void SetMixInput(uint64_t listener, const std::string& id, float volume, bool muted) override {
    host_->SetMixInput(listener, id, volume, muted);
  }
  void RemoveMixListener(uint64_t listener) override { host_->RemoveMixListener(listener); }

 private:
  std::shared_ptr<audio::AudioHost> host_;
};

}  // namespace

std::shared_ptr<MixSource> MixSourceOf(std::shared_ptr<audio::AudioHost> host) {
  if (!host) return nullptr;
  return std::make_shared<AudioHostMix>(std::move(host));
}

Result<std::unique_ptr<AudioMix>> AudioMix::Open(std::shared_ptr<audio::AudioHost> host,
                                                 std::vector<std::string> ids,
                                                 std::function<bool(std::string)> send,
                                                 Encoding encoding) {
  return Open(MixSourceOf(std::move(host)), std::move(ids), std::move(send), encoding);
}

Result<std::unique_ptr<AudioMix>> AudioMix::Open(std::shared_ptr<MixSource> host,
                                                 std::vector<std::string> ids,
                                                 std::function<bool(std::string)> send,
                                                 Encoding encoding) {
  if (ids.empty() || ids.size() > kMaxInstances)
    return Error(ErrorCode::kInvalidArgument, "a mix needs 1 to 64 instances");
  std::unique_ptr<AudioMix> m(new AudioMix());
  m->host_ = std::move(host);
  m->state_ = std::make_shared<State>();
  m->state_->send = std::move(send);
  if (encoding == Encoding::kOpus) {
    m->state_->opus = VMI_TRY(audio::OpusPacketizer::Create());
  } else if (!m->state_->send(WavStreamHeader())) {
    return Error(ErrorCode::kUnavailable, "the client went away");
  }
  std::shared_ptr<State> s = m->state_;
  m->listener_ = m->host_->AddMixListener(
      [s](const float* block, size_t frames, int64_t ts) { s->OnBlock(block, frames, ts); });
  for (const auto& id : ids) {
    m->inputs_[id] = {1.0f, false};
    m->host_->SetMixInput(m->listener_, id, 1.0f, false);
  }
  return m;
}

AudioMix::~AudioMix() { Close(); }

void AudioMix::Close() {
  std::lock_guard lock(mu_);
  if (closed_) return;
  closed_ = true;
  host_->RemoveMixListener(listener_);
}

Result<MixSetting> ParseMixSetting(std::string_view text) {
  auto j = VMI_TRY(api::ParseJsonObject(text));
  auto bad = [](const std::string& why) { return Error(ErrorCode::kInvalidArgument, why); };
  MixSetting out;
  for (const auto& [k, v] : j.items()) {
    if (k == "instance") {
      if (!v.is_string()) return bad("instance must be a string");
      out.instance = v.get<std::string>();
    } else if (k == "volume") {
      if (!v.is_number()) return bad("volume must be a number");
      double x = v.get<double>();
      if (!(x >= 0.0 && x <= 1.0)) return bad("volume must be within 0..1");
      out.volume = static_cast<float>(x);
    } else if (k == "muted") {
      if (!v.is_boolean()) return bad("muted must be true or false");
      out.muted = v.get<bool>();
    } else {
      return bad("unknown field '" + k + "'");
    }
  }
  if (out.instance.empty()) return bad("a mix setting names its \"instance\"");
  return out;
}

Result<void> AudioMix::OnText(std::string_view text) {
  MixSetting s = VMI_TRY(ParseMixSetting(text));
  std::lock_guard lock(mu_);
  if (closed_) return Ok();
  auto in = inputs_.find(s.instance);
  if (in == inputs_.end())
    return Error(ErrorCode::kInvalidArgument, "instance '" + s.instance + "' is not in this mix");
  if (s.volume) in->second.first = *s.volume;
  if (s.muted) in->second.second = *s.muted;
  host_->SetMixInput(listener_, in->first, in->second.first, in->second.second);
  return Ok();
}

AudioMix::Stats AudioMix::stats() const { return {state_->sent.load(), state_->dropped.load()}; }

}  // namespace vmi::node::live
