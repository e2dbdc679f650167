// The audio routes' parts (the per-instance routes themselves are in
// devhost_routes.h, which answers them from the settings DeviceHosts keeps):
//
//   GET /api/v1/instances/{id}/audio   -> {"volume": 0..1.5, "muted": bool}
//   PUT /api/v1/instances/{id}/audio   {"volume"?: 0..1.5, "muted"?: bool}
//                                      -> the new state, same shape
//
// The host volume and mute of an instance apply to everything that hears it
// (its browser viewers and every mix listener; docs/audio.md, routing rule
// 3). They are kept by DeviceHosts across stop/start of the instance for
// the daemon's lifetime; a stopped instance answers with its kept settings.
//
//   GET /api/v1/audio/mix?instances=ID,ID...   (WebSocket)
//     One mix of several instances (AudioMix: 0x20 Opus messages out, JSON
//     volume/mute settings in). Every listed instance must pass the
//     "stream" check, like its video; it needs not be running (a stopped
//     one is silent until it runs).
//
//   GET /api/v1/audio/mix.wav?instances=ID,ID...   (streamed response)
//     The same mix as an endless WAV stream (16-bit PCM, silence included)
//     for a local monitor; volume 1 for each instance.
//
// Each route asks `check` (actions "stream" for GET, "control" for PUT)
// before acting; a refusal with kPermissionDenied looks like an unknown
// instance. Null allows everything.
//
// Threads: both routes run on the HTTP worker pool and never wait for an
// instance operation.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "api/http/router.h"
#include "base/result.h"
#include "node/api_routes.h"
#include "node/instance_manager.h"
#include "devices/audio/audio_host.h"
#include "node/live/mix_source.h"

namespace vmi::node::live {

// The two mix routes alone, over any MixSource (null: 503, no sound); `find`
// resolves an id or name without waiting for an instance operation.
using InstanceFinder = std::function<Result<InstanceRecord>(const std::string&)>;
void RegisterMixRoutes(api::Router& router, InstanceFinder find, InstanceAccessCheck check,
                       std::shared_ptr<MixSource> source);

// Parses a PUT body over `current`: absent fields keep their value; unknown
// fields, wrong types and a volume outside 0..1.5 are kInvalidArgument.
Result<audio::AudioSettings> ParseAudioBody(const std::string& body, audio::AudioSettings current);

}  // namespace vmi::node::live
