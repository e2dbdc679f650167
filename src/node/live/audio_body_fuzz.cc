// libFuzzer target: what a browser or an API client can send to the
// daemon's live routes: POST /api/v1/instances/{id}/rotate bodies
// (ParseRotateBody), PUT /api/v1/instances/{id}/audio bodies (ParseAudioBody)
// and viewer microphone messages (ParseWsMic, before they reach the
// MicIngress that opus_ingress_fuzz covers), and a mix client's instance
// list and control messages (ParseMixInstances, ParseMixSetting). Malformed
// inputs found here are replayed by AudioBodyTest in audio_routes_test.cc
// and the ParseMix* tests in audio_mix_test.cc.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "devices/audio/viewer_audio.h"
#include "node/live/audio_mix.h"
#include "node/live/audio_routes.h"
#include "node/live/live_routes.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  vmi::audio::AudioSettings cur;
  // POST /api/v1/instances/{id}/rotate
  auto rot = vmi::node::live::ParseRotateBody(body);
  if (!rot.ok() && rot.error().code() != vmi::ErrorCode::kInvalidArgument) abort();
  auto s = vmi::node::live::ParseAudioBody(body, cur);
  if (s.ok() && (!(s->volume >= 0.0f) || s->volume > 1.5f)) abort();  // out of range accepted
  auto m = vmi::audio::ParseWsMic({data, size});
  if (m.ok() && (m->opus.empty() || m->opus.size() > 1500)) abort();
  auto list = vmi::node::live::ParseMixInstances(body);
  if (list.ok() && (list->empty() || list->size() > vmi::node::live::AudioMix::kMaxInstances))
    abort();
  auto set = vmi::node::live::ParseMixSetting(body);
  if (set.ok() &&
      (set->instance.empty() || (set->volume && !(*set->volume >= 0.0f && *set->volume <= 1.0f))))
    abort();
  return 0;
}
