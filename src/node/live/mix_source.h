// MixSource: what a mix listener (AudioMix: the console's wall, `vmi
// listen`) needs from whoever has the instances' sound: blocks of the sum
// of some instances' outputs, each at the listener's own volume and mute.
// AudioHost is one (the instances' sound cards in this process; through
// MixSourceOf, audio_mix.h); DeviceHostMixer another (the sound cards live in device hosts, which
// stream their output to it).
//
// Threads: AddMixListener, SetMixInput and RemoveMixListener are
// thread-safe but must not be called from the callback's thread; after
// RemoveMixListener returns the callback runs no more.
#pragma once

#include <cstdint>
#include <string>

#include "devices/audio/audio_hub.h"

namespace vmi::node::live {

class MixSource {
 public:
  virtual ~MixSource() = default;
  virtual uint64_t AddMixListener(audio::MixCallback cb) = 0;
  virtual void SetMixInput(uint64_t listener, const std::string& id, float volume, bool muted) = 0;
  virtual void RemoveMixListener(uint64_t listener) = 0;
};

}  // namespace vmi::node::live
