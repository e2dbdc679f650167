// guest_clicker: the guest program of the end-to-end latency benchmark
// (bench/audio/e2e_latency.mjs). Runs inside an instance (the host's /usr
// is the guest's, so its libraries are there) and plays through the
// image's default ALSA device: silence, and every `interval_ms` a click (a
// 10 ms 1 kHz sine burst at 0.8). For each click it prints
//   CLICK <unix_us>
// the CLOCK_REALTIME instant just before the click was handed to
// snd_pcm_writei, the same "guest write" instant as vmi_audio_bench's
// guest-to-encoder figure. Realtime is the clock of the audio packets'
// timestamps and of the browser's performance.timeOrigin (same host).
//
// Usage: guest_clicker <clicks> <interval_ms> <period_frames> <buffer_frames>
#include <alsa/asoundlib.h>
#include <time.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

long long RealtimeMicros() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s clicks interval_ms period_frames buffer_frames\n", argv[0]);
    return 2;
  }
  int clicks = std::atoi(argv[1]), interval_ms = std::atoi(argv[2]);
  snd_pcm_uframes_t period = std::strtoul(argv[3], nullptr, 10),
                    buffer = std::strtoul(argv[4], nullptr, 10);
  const unsigned rate = 48000;
  snd_pcm_t* pcm = nullptr;
  int err = snd_pcm_open(&pcm, "default", SND_PCM_STREAM_PLAYBACK, 0);
  if (err < 0) {
    std::fprintf(stderr, "open: %s\n", snd_strerror(err));
    return 1;
  }
  snd_pcm_hw_params_t* hw;
  snd_pcm_hw_params_alloca(&hw);
  snd_pcm_hw_params_any(pcm, hw);
  snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED);
  snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE);
  snd_pcm_hw_params_set_channels(pcm, hw, 2);
  unsigned r = rate;
  snd_pcm_hw_params_set_rate_near(pcm, hw, &r, nullptr);
  snd_pcm_hw_params_set_period_size_near(pcm, hw, &period, nullptr);
  snd_pcm_hw_params_set_buffer_size_near(pcm, hw, &buffer);
  if ((err = snd_pcm_hw_params(pcm, hw)) < 0) {
    std::fprintf(stderr, "hw_params: %s\n", snd_strerror(err));
    return 1;
  }
  snd_pcm_get_params(pcm, &buffer, &period);
  std::printf("PARAMS %lu %lu\n", buffer, period);
  std::fflush(stdout);

  std::vector<int16_t> silence(2 * period, 0);
  // The click spans whole periods (10 ms, rounded up).
  size_t click_frames = ((rate / 100 + period - 1) / period) * period;
  std::vector<int16_t> click(2 * click_frames, 0);
  for (size_t i = 0; i < rate / 100; ++i) {
    auto v = static_cast<int16_t>(0.8 * 32767 * std::sin(2 * M_PI * 1000.0 * i / rate));
    click[2 * i] = click[2 * i + 1] = v;
  }
  auto write = [&](const std::vector<int16_t>& b) {
    snd_pcm_sframes_t n = snd_pcm_writei(pcm, b.data(), b.size() / 2);
    if (n < 0) n = snd_pcm_recover(pcm, static_cast<int>(n), 1);
    return n >= 0;
  };
  size_t gap_periods = static_cast<size_t>(interval_ms) * rate / 1000 / period;
  for (int k = 0; k < clicks; ++k) {
    for (size_t i = 0; i < gap_periods; ++i)
      if (!write(silence)) return 1;
    long long t = RealtimeMicros();
    if (!write(click)) return 1;
    std::printf("CLICK %lld\n", t);
    std::fflush(stdout);
  }
  for (size_t i = 0; i < gap_periods; ++i) write(silence);
  snd_pcm_drain(pcm);
  snd_pcm_close(pcm);
  return 0;
}
