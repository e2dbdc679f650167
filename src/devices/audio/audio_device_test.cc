// End-to-end tests of the virtual sound card on the host: the real aplay and
// arecord, through the image's asound.conf and the built plugin, against an
// AudioHub on its own loop thread.
#include "devices/audio/audio_device.h"

#include <gtest/gtest.h>
#include <opus/opus.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>

#include "devices/audio/test_util.h"

namespace vmi::audio {
namespace {

using namespace std::chrono_literals;
using testing::HubThread;
using testing::TempDir;

// Collects a mix listener's PCM (left channel).
struct Capture {
  std::mutex mu;
  std::vector<float> left;
  void Add(const float* b, size_t frames) {
    std::lock_guard lock(mu);
    for (size_t i = 0; i < frames; ++i) left.push_back(b[2 * i]);
  }
  // The part of the signal after the first non-silent sample, up to n samples.
  std::vector<float> Active(size_t skip, size_t n) {
    std::lock_guard lock(mu);
    size_t start = 0;
    while (start < left.size() && std::fabs(left[start]) < 1e-3) ++start;
    start += skip;
    if (start >= left.size()) return {};
    return std::vector<float>(left.begin() + start,
                              left.begin() + std::min(left.size(), start + n));
  }
};

Result<RunOutput> Aplay(const std::vector<std::string>& env, const std::string& wav) {
  SpawnOptions o;
  o.env = env;
  return vmi::Run({"aplay", "-q", wav}, o, 30s);
}

TEST(AudioDevice, AplayToneArrivesWithItsFrequencyAndLevel) {
  TempDir dir;
  Capture cap;
  std::vector<OpusPacket> packets;
  std::mutex pmu;
  HubThread h;  // last: destroyed first, while what its callbacks use lives
  h.Call([&] {
    ASSERT_TRUE(h.hub().AddDevice("a", dir.path()).ok());
    uint64_t l = h.hub().AddMixListener([&](const float* b, size_t n, int64_t) { cap.Add(b, n); });
    h.hub().SetMixInput(l, "a", 1.0f, false);
    h.hub().device("a")->Subscribe([&](const OpusPacket& p) {
      std::lock_guard lock(pmu);
      packets.push_back(p);
    });
  });
  auto env = testing::AlsaEnv(dir.path(), dir.path());
  // 44.1 kHz mono: the host converts rate and channels.
  auto wav = testing::MakeToneWav(dir.path() + "/tone.wav", 44100, 1, 1.0, 440, 0.5);
  auto r = Aplay(env, wav);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->ok()) << r->err;

  auto x = cap.Active(4800, 24000);  // 0.5 s, after the first 100 ms
  ASSERT_EQ(x.size(), 24000u);
  EXPECT_NEAR(testing::PeakFrequency(x, 48000, 100, 2000, 2), 440, 3);
  EXPECT_NEAR(testing::Rms(x), 0.5 / std::sqrt(2.0), 0.03);

  // The Opus stream of the same instance carries the same tone.
  std::vector<OpusPacket> got;
  {
    std::lock_guard lock(pmu);
    got = packets;
  }
  ASSERT_GT(got.size(), 50u);
  int err;
  OpusDecoder* dec = opus_decoder_create(48000, 2, &err);
  std::vector<float> decoded;
  std::vector<float> pcm(2 * 960);
  for (size_t i = 1; i < got.size(); ++i) {
    EXPECT_EQ(got[i].seq, got[i - 1].seq + 1);
    // Contiguous, or after a gap of held-back silence: whole packets later.
    int64_t step = got[i].timestamp_us - got[i - 1].timestamp_us;
    EXPECT_GE(step, got[i].duration_us);
    EXPECT_EQ(step % got[i].duration_us, 0);
  }
  for (auto& p : got) {
    int n = opus_decode_float(dec, p.data.data(), p.data.size(), pcm.data(), 960, 0);
    ASSERT_GT(n, 0);
    for (int i = 0; i < n; ++i) decoded.push_back(pcm[2 * i]);
  }
  opus_decoder_destroy(dec);
  size_t start = 0;
  while (start < decoded.size() && std::fabs(decoded[start]) < 1e-2) ++start;
  ASSERT_GT(decoded.size(), start + 4800 + 24000);
  std::vector<float> y(decoded.begin() + start + 4800, decoded.begin() + start + 4800 + 24000);
  EXPECT_NEAR(testing::PeakFrequency(y, 48000, 100, 2000, 2), 440, 3);
  EXPECT_NEAR(testing::Rms(y), 0.5 / std::sqrt(2.0), 0.06);
}

// The clock's step is the latency a sample waits for its block to close:
// 5 ms blocks, stamped exactly one block apart.
TEST(AudioDevice, TheClockStepsInFiveMillisecondBlocks) {
  std::mutex mu;
  std::vector<std::pair<size_t, int64_t>> blocks;
  HubThread h;
  h.Call([&] {
    h.hub().AddMixListener([&](const float*, size_t n, int64_t ts) {
      std::lock_guard lock(mu);
      blocks.emplace_back(n, ts);
    });
  });
  for (;;) {
    std::this_thread::sleep_for(50ms);
    std::lock_guard lock(mu);
    if (blocks.size() >= 20) break;
  }
  std::vector<std::pair<size_t, int64_t>> got;
  {
    std::lock_guard lock(mu);
    got = blocks;
  }
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].first, 240u);
    if (i > 0) {
      EXPECT_EQ(got[i].second - got[i - 1].second, 5000);
    }
  }
}

TEST(AudioDevice, SilenceSendsNoPacketsAndSoundResumesThem) {
  TempDir dir;
  std::atomic<size_t> packets{0};
  HubThread h;
  h.Call([&] {
    ASSERT_TRUE(h.hub().AddDevice("a", dir.path()).ok());
    h.hub().device("a")->Subscribe([&](const OpusPacket&) { ++packets; });
  });
  // Nothing plays: after the hangover the stream holds back.
  std::this_thread::sleep_for(800ms);
  bool gated = false;
  h.Call([&] { gated = h.hub().device("a")->silence_gated(); });
  EXPECT_TRUE(gated);
  size_t idle = packets.load();
  EXPECT_LE(idle, static_cast<size_t>(AudioDevice::kSilenceHangoverBlocks) + 2);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(packets.load(), idle) << "packets sent during silence";

  // A tone brings them back (about one per 10 ms of sound).
  auto env = testing::AlsaEnv(dir.path(), dir.path());
  auto wav = testing::MakeToneWav(dir.path() + "/tone.wav", 48000, 2, 0.5, 440, 0.5);
  auto r = Aplay(env, wav);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->ok()) << r->err;
  EXPECT_GE(packets.load() - idle, 30u);
  // And silence holds them back again.
  std::this_thread::sleep_for(800ms);
  size_t after = packets.load();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(packets.load(), after);
}

TEST(AudioDevice, TwoInstancesMixWithTheirVolumes) {
  TempDir da, db;
  Capture cap;
  HubThread h;  // last: destroyed first
  h.Call([&] {
    ASSERT_TRUE(h.hub().AddDevice("a", da.path()).ok());
    ASSERT_TRUE(h.hub().AddDevice("b", db.path()).ok());
    uint64_t l = h.hub().AddMixListener([&](const float* b, size_t n, int64_t) { cap.Add(b, n); });
    h.hub().SetMixInput(l, "a", 1.0f, false);
    h.hub().SetMixInput(l, "b", 0.5f, false);
  });
  auto wa = testing::MakeToneWav(da.path() + "/a.wav", 48000, 2, 1.5, 440, 0.4);
  auto wb = testing::MakeToneWav(db.path() + "/b.wav", 22050, 2, 1.5, 1000, 0.4);
  std::thread tb([&] { EXPECT_TRUE(Aplay(testing::AlsaEnv(db.path(), db.path()), wb)->ok()); });
  auto ra = Aplay(testing::AlsaEnv(da.path(), da.path()), wa);
  tb.join();
  ASSERT_TRUE(ra.ok() && ra->ok());
  auto x = cap.Active(14400, 24000);  // skip 300 ms: both have started
  ASSERT_EQ(x.size(), 24000u);
  double a = testing::ToneAmplitude(x, 48000, 440);
  double b = testing::ToneAmplitude(x, 48000, 1000);
  EXPECT_NEAR(a, 0.4, 0.04);
  EXPECT_NEAR(b, 0.2, 0.03);
  EXPECT_NEAR(a / b, 2.0, 0.3);
}

TEST(AudioDevice, FakePlaybackTakesRealTimeAndSucceeds) {
  TempDir dir;
  HubThread h;
  h.Call([&] { ASSERT_TRUE(h.hub().AddDevice("a", dir.path()).ok()); });
  auto wav = testing::MakeToneWav(dir.path() + "/t.wav", 44100, 2, 3.0, 300, 0.3);
  auto t0 = std::chrono::steady_clock::now();
  auto r = Aplay(testing::AlsaEnv(dir.path(), dir.path()), wav);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok()) << r->err;
  // Pacing correctness, not performance: nobody listens, yet 3 s of sound
  // cannot be "played" in much less than 3 s.
  EXPECT_GE(s, 2.5);
  uint64_t played = 0;
  h.Call([&] { played = h.hub().device("a")->stream_count(); });
  EXPECT_EQ(played, 0u);  // aplay closed its stream
}

TEST(AudioDevice, MicrophoneToneReachesArecord) {
  TempDir dir;
  HubThread h;
  AudioDevice* dev = nullptr;
  h.Call([&] { dev = *h.hub().AddDevice("a", dir.path()); });
  std::atomic<bool> stop{false};
  // A browser's microphone: 20 ms Opus packets of a 660 Hz tone in real time.
  std::thread feeder([&] {
    int err;
    OpusEncoder* enc = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err);
    std::vector<float> pcm(960);
    std::vector<uint8_t> out(1500);
    long n = 0;
    auto next = std::chrono::steady_clock::now();
    while (!stop) {
      for (auto& v : pcm) v = 0.5f * std::sin(2 * M_PI * 660 * n++ / 48000.0);
      int len = opus_encode_float(enc, pcm.data(), 960, out.data(), out.size());
      ASSERT_GT(len, 0);
      EXPECT_TRUE(dev->microphone().Feed({out.data(), static_cast<size_t>(len)}).ok());
      next += 20ms;
      std::this_thread::sleep_until(next);
    }
    opus_encoder_destroy(enc);
  });
  SpawnOptions o;
  o.env = testing::AlsaEnv(dir.path(), dir.path());
  std::string wav = dir.path() + "/rec.wav";
  auto r =
      vmi::Run({"arecord", "-q", "-f", "S16_LE", "-r", "16000", "-c", "1", "-d", "2", wav}, o, 30s);
  stop = true;
  feeder.join();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok()) << r->err;
  int rate = 0;
  auto x = testing::ReadWavChannel0(wav, &rate);
  EXPECT_EQ(rate, 16000);
  ASSERT_GT(x.size(), 16000u);
  // The loudest quarter second (a loaded machine may starve the feeder
  // thread now and then; gaps are not what this test is about).
  std::vector<float> best;
  for (size_t at = 0; at + 4000 <= x.size(); at += 1000) {
    std::vector<float> w(x.begin() + at, x.begin() + at + 4000);
    if (testing::Rms(w) > testing::Rms(best)) best = w;
  }
  EXPECT_NEAR(testing::PeakFrequency(best, 16000, 100, 2000, 2), 660, 3);
  EXPECT_NEAR(testing::ToneAmplitude(best, 16000, 660), 0.5, 0.1);
}

TEST(AudioDevice, EspeakNgSpeaksThroughTheDefaultDevice) {
  TempDir dir;
  Capture cap;
  HubThread h;  // last: destroyed first
  h.Call([&] {
    ASSERT_TRUE(h.hub().AddDevice("a", dir.path()).ok());
    uint64_t l = h.hub().AddMixListener([&](const float* b, size_t n, int64_t) { cap.Add(b, n); });
    h.hub().SetMixInput(l, "a", 1.0f, false);
  });
  SpawnOptions o;
  o.env = testing::AlsaEnv(dir.path(), dir.path());
  auto r = vmi::Run({"espeak-ng", "hello from the virtual phone"}, o, 30s);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok()) << r->err;
  auto x = cap.Active(0, 48000);
  EXPECT_GT(x.size(), 24000u);
  EXPECT_GT(testing::Rms(x), 0.01);
}

}  // namespace
}  // namespace vmi::audio
