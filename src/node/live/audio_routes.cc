#include "node/live/audio_routes.h"

#include <algorithm>
#include <cmath>

#include "node/live/audio_mix.h"

namespace vmi::node::live {

using api::Json;
using api::Request;
using api::Response;

Result<audio::AudioSettings> ParseAudioBody(const std::string& body, audio::AudioSettings current) {
  auto j = VMI_TRY(api::ParseJsonObject(body));
  audio::AudioSettings s = current;
  for (const auto& [k, v] : j.items()) {
    if (k == "volume") {
      if (!v.is_number())
        return Error(ErrorCode::kInvalidArgument, "volume must be a number from 0 to 1.5");
      double x = v.get<double>();
      if (!std::isfinite(x) || x < 0 || x > audio::AudioDevice::kMaxVolume)
        return Error(ErrorCode::kInvalidArgument, "volume must be a number from 0 to 1.5");
      s.volume = static_cast<float>(x);
    } else if (k == "muted") {
      if (!v.is_boolean()) return Error(ErrorCode::kInvalidArgument, "muted must be true or false");
      s.muted = v.get<bool>();
    } else {
      return Error(ErrorCode::kInvalidArgument, "unknown field '" + k + "'");
    }
  }
  return s;
}

namespace {

// About 2 s of 64 kbit/s Opus messages.
constexpr size_t kMixMaxQueuedBytes = 24 * 1024;
// About 1 s of 48 kHz 16-bit stereo.
constexpr size_t kWavMaxQueuedBytes = 192 * 1000;

}  // namespace

void RegisterMixRoutes(api::Router& router, InstanceFinder find, InstanceAccessCheck check,
                       std::shared_ptr<MixSource> source) {
  // The canonical ids of ?instances=..., each one checked like its video.
  auto mix_ids = [find, check, source](const Request& req) -> Result<std::vector<std::string>> {
    auto list = req.Query("instances");
    if (!list) return Error(ErrorCode::kInvalidArgument, "instances=ID,ID... is required");
    std::vector<std::string> ids;
    for (const auto& key : VMI_TRY(ParseMixInstances(*list))) {
      auto r = VMI_TRY(find(key));
      if (auto ok = CheckInstanceAccess(check, req, r, "stream", key); !ok.ok())
        return std::move(ok).error();
      if (std::find(ids.begin(), ids.end(), r.spec.id) == ids.end()) ids.push_back(r.spec.id);
    }
    if (!source)
      return Error(ErrorCode::kUnavailable, "this node has no sound (audio did not start)");
    return ids;
  };

  router.HandleWebSocket(
      "/api/v1/audio/mix",
      [source, mix_ids](Request& req, std::shared_ptr<api::WebSocket> ws) -> Result<void> {
        std::vector<std::string> ids = VMI_TRY(mix_ids(req));
        auto host = source;
        // A client that does not read loses packets, never holds up the mix.
        std::weak_ptr<api::WebSocket> weak = ws;
        auto send = [weak](std::string m) {
          auto w = weak.lock();
          if (!w || w->queued_bytes() > kMixMaxQueuedBytes) return false;
          return w->SendBinary(std::move(m));
        };
        std::shared_ptr<AudioMix> mix = VMI_TRY(AudioMix::Open(host, std::move(ids), send));
        ws->SetOnMessage([mix, weak](std::string_view data, bool binary) {
          auto r = binary ? Result<void>(Error(ErrorCode::kInvalidArgument,
                                               "a mix takes JSON text messages only"))
                          : mix->OnText(data);
          if (!r.ok()) {
            mix->Close();
            if (auto w = weak.lock()) w->Close(1008, r.error().message().substr(0, 120));
          }
        });
        ws->SetOnClose([mix](uint16_t, std::string_view) { mix->Close(); });
        return Ok();
      });

  // The same mix as a WAV stream (a local monitor: `vmi listen ID... | aplay`).
  router.HandleStream(
      "GET", "/api/v1/audio/mix.wav",
      [source, mix_ids](Request& req,
                        std::shared_ptr<api::ResponseStream> stream) -> Result<Response> {
        std::vector<std::string> ids = VMI_TRY(mix_ids(req));
        std::weak_ptr<api::ResponseStream> weak = stream;
        auto send = [weak](std::string m) {
          auto s = weak.lock();
          if (!s || s->queued_bytes() > kWavMaxQueuedBytes) return false;
          return s->Write(std::move(m));
        };
        std::shared_ptr<AudioMix> mix = VMI_TRY(
            AudioMix::Open(source, std::move(ids), send, AudioMix::Encoding::kWav));
        stream->SetOnClose([mix] { mix->Close(); });
        Response head;
        head.status = 200;
        head.headers.Set("Content-Type", "audio/wav");
        head.headers.Set("Cache-Control", "no-store");
        return head;
      });

}

}  // namespace vmi::node::live
