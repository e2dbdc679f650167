// AlsaPcm: the host audio device behind libaaudio.so and libOpenSLES.so,
// an ALSA PCM opened by name. The name comes from $VMI_BRIDGE_AUDIO_DEVICE
// (playback) or $VMI_BRIDGE_AUDIO_INPUT_DEVICE (capture), else "default":
// on a desktop host ALSA's default is PulseAudio or PipeWire (through
// alsa-plugins), inside a vmi instance it is vmi's audio device
// (devices/audio's ALSA plugin). Any ALSA PCM name works, e.g.
// "file:'/tmp/out.raw'" records what is played.
// Owns the snd_pcm_t; one thread uses it at a time.
#pragma once

#include <alsa/asoundlib.h>

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"

namespace vmi::bridge::audio {

struct PcmConfig {
  bool capture = false;
  snd_pcm_format_t format = SND_PCM_FORMAT_S16_LE;
  uint32_t rate = 48000;
  uint32_t channels = 2;
  // Requested and, after Open, actual sizes in frames.
  uint32_t period_frames = 480;
  uint32_t buffer_frames = 1920;
};

class AlsaPcm {
 public:
  // The configured device name for the direction (see above).
  static std::string DeviceName(bool capture);
  // Opens and configures the device (interleaved access); `config` gets the
  // sizes the device chose. The rate, channels and format must be taken as
  // asked: a device that cannot is an error.
  static Result<std::unique_ptr<AlsaPcm>> Open(const std::string& device, PcmConfig* config);
  ~AlsaPcm();
  AlsaPcm(const AlsaPcm&) = delete;
  AlsaPcm& operator=(const AlsaPcm&) = delete;

  // Transfers up to `frames`, waiting at most `timeout_ms` (-1: until all
  // are done, 0: only what fits now). Underruns/overruns are recovered and
  // counted in `xruns`. Returns the frames moved or a negative errno.
  long Write(const void* data, long frames, int timeout_ms, int32_t* xruns);
  long Read(void* data, long frames, int timeout_ms, int32_t* xruns);
  // Plays out what is queued (blocking), drops it, or re-prepares.
  void Drain();
  void Drop();
  void Prepare();
  // Frames written but not yet played (or captured but not read).
  long Delay();

 private:
  explicit AlsaPcm(snd_pcm_t* pcm, uint32_t frame_bytes) : pcm_(pcm), frame_bytes_(frame_bytes) {}
  template <typename Transfer>
  long Move(Transfer transfer, long frames, int timeout_ms, int32_t* xruns);
  snd_pcm_t* pcm_;
  uint32_t frame_bytes_;
};

}  // namespace vmi::bridge::audio
