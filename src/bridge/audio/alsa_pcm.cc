#include "bridge/audio/alsa_pcm.h"

#include <cerrno>
#include <cstdlib>

namespace vmi::bridge::audio {

std::string AlsaPcm::DeviceName(bool capture) {
  const char* env = getenv(capture ? "VMI_BRIDGE_AUDIO_INPUT_DEVICE" : "VMI_BRIDGE_AUDIO_DEVICE");
  return env != nullptr && *env != '\0' ? env : "default";
}

Result<std::unique_ptr<AlsaPcm>> AlsaPcm::Open(const std::string& device, PcmConfig* c) {
  snd_pcm_t* pcm = nullptr;
  int rc = snd_pcm_open(&pcm, device.c_str(),
                        c->capture ? SND_PCM_STREAM_CAPTURE : SND_PCM_STREAM_PLAYBACK, 0);
  if (rc < 0)
    return Error(ErrorCode::kUnavailable, "ALSA device " + device + ": " + snd_strerror(rc));
  std::unique_ptr<AlsaPcm> owner(new AlsaPcm(pcm, 0));
  snd_pcm_hw_params_t* hw;
  snd_pcm_hw_params_alloca(&hw);
  snd_pcm_uframes_t period = c->period_frames, buffer = c->buffer_frames;
  const char* step = "any";
  if ((rc = snd_pcm_hw_params_any(pcm, hw)) >= 0 &&
      (step = "access",
       rc = snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED)) >= 0 &&
      (step = "format", rc = snd_pcm_hw_params_set_format(pcm, hw, c->format)) >= 0 &&
      (step = "channels", rc = snd_pcm_hw_params_set_channels(pcm, hw, c->channels)) >= 0 &&
      (step = "rate", rc = snd_pcm_hw_params_set_rate(pcm, hw, c->rate, 0)) >= 0 &&
      (step = "period", rc = snd_pcm_hw_params_set_period_size_near(pcm, hw, &period, nullptr)) >=
          0 &&
      (step = "buffer", rc = snd_pcm_hw_params_set_buffer_size_near(pcm, hw, &buffer)) >= 0 &&
      (step = "hw_params", rc = snd_pcm_hw_params(pcm, hw)) >= 0 &&
      (step = "prepare", rc = snd_pcm_prepare(pcm)) >= 0) {
    c->period_frames = static_cast<uint32_t>(period);
    c->buffer_frames = static_cast<uint32_t>(buffer);
    owner->frame_bytes_ =
        static_cast<uint32_t>(snd_pcm_format_physical_width(c->format) / 8 * c->channels);
    return owner;
  }
  return Error(ErrorCode::kInvalidArgument,
               "ALSA device " + device + " refuses the stream (" + step + "): " + snd_strerror(rc));
}

AlsaPcm::~AlsaPcm() { snd_pcm_close(pcm_); }

template <typename Transfer>
long AlsaPcm::Move(Transfer transfer, long frames, int timeout_ms, int32_t* xruns) {
  long done = 0;
  while (done < frames) {
    if (timeout_ms >= 0) {
      snd_pcm_sframes_t avail = snd_pcm_avail_update(pcm_);
      if (avail == 0) {
        if (timeout_ms == 0 || snd_pcm_wait(pcm_, timeout_ms) == 0) break;  // timed out
        continue;
      }
      if (avail < 0) {
        if (snd_pcm_recover(pcm_, static_cast<int>(avail), 1) < 0) return done > 0 ? done : avail;
        if (xruns != nullptr) ++*xruns;
        continue;
      }
    }
    const snd_pcm_sframes_t n = transfer(done, frames - done);
    if (n == -EAGAIN) continue;
    if (n < 0) {
      if (snd_pcm_recover(pcm_, static_cast<int>(n), 1) < 0) return done > 0 ? done : n;
      if (xruns != nullptr) ++*xruns;
      continue;
    }
    done += n;
  }
  return done;
}

long AlsaPcm::Write(const void* data, long frames, int timeout_ms, int32_t* xruns) {
  const auto* p = static_cast<const uint8_t*>(data);
  return Move(
      [&](long at, long n) {
        return snd_pcm_writei(pcm_, p + size_t(at) * frame_bytes_,
                              static_cast<snd_pcm_uframes_t>(n));
      },
      frames, timeout_ms, xruns);
}

long AlsaPcm::Read(void* data, long frames, int timeout_ms, int32_t* xruns) {
  auto* p = static_cast<uint8_t*>(data);
  if (snd_pcm_state(pcm_) == SND_PCM_STATE_PREPARED) snd_pcm_start(pcm_);
  return Move(
      [&](long at, long n) {
        return snd_pcm_readi(pcm_, p + size_t(at) * frame_bytes_,
                             static_cast<snd_pcm_uframes_t>(n));
      },
      frames, timeout_ms, xruns);
}

void AlsaPcm::Drain() {
  snd_pcm_drain(pcm_);
  snd_pcm_prepare(pcm_);
}

void AlsaPcm::Drop() {
  snd_pcm_drop(pcm_);
  snd_pcm_prepare(pcm_);
}

void AlsaPcm::Prepare() { snd_pcm_prepare(pcm_); }

long AlsaPcm::Delay() {
  snd_pcm_sframes_t delay = 0;
  return snd_pcm_delay(pcm_, &delay) == 0 ? delay : 0;
}

}  // namespace vmi::bridge::audio
