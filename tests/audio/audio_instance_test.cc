// The virtual sound card inside real instances: containers started by the
// real daemon from the linux-mobile image, whose /etc/asound.conf loads the
// plugin from the guest kit at /opt/vmi. This test serves each instance's
// device directory with an AudioHub of its own, which takes over the
// instance's audio.sock from its device host's (AudioDevice rebinds the
// path, once the device host is up), so
// it can listen to the raw PCM of a mix; it runs the real aplay/arecord
// inside the guests. The daemon's own sound path, through the viewer
// WebSocket to Chromium, is tested by audio_e2e.test.mjs.
#include <gtest/gtest.h>
#include <opus/opus.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>

#include "base/file.h"
#include "daemon_fixture.h"
#include "devices/audio/test_util.h"

namespace vmi::audio {
namespace {

using namespace std::chrono_literals;

struct Pcm {
  std::mutex mu;
  std::vector<float> left;
  void Add(const float* b, size_t n) {
    std::lock_guard lock(mu);
    for (size_t i = 0; i < n; ++i) left.push_back(b[2 * i]);
  }
  std::vector<float> Active(size_t skip, size_t n) {
    std::lock_guard lock(mu);
    size_t s = 0;
    while (s < left.size() && std::fabs(left[s]) < 1e-3) ++s;
    s += skip;
    if (s >= left.size()) return {};
    return {left.begin() + s, left.begin() + std::min(left.size(), s + n)};
  }
};

class AudioInstanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!vmi::testing::IsRoot()) GTEST_SKIP() << "needs root";
    // A data directory the instances' mapped root can traverse (mkdtemp
    // makes it 0700).
    char tmpl[] = "/var/tmp/vmi-audio-it-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    chmod(tmpl, 0755);
    daemon_ = std::make_unique<vmi::testing::Daemon>(std::vector<std::string>{}, tmpl);
    ASSERT_TRUE(daemon_->Start());
    daemon_->Ok({"image", "build", "linux-mobile"});
  }
  void TearDown() override {
    hub_.reset();
    if (daemon_) daemon_->Purge();
  }
  // Creates an instance and serves its device directory.
  std::string Instance() {
    std::string id(Trim(daemon_->Ok({"create", "--memory", "512M", "--cpus", "1"})));
    daemon_->Ok({"start", id});
    // The instance's device host binds audio.sock before it serves
    // devhost.sock; the hub takes the path over only after that.
    std::string control = daemon_->data_dir() + "/instances/" + id + "/devhost.sock";
    for (int i = 0; i < 200 && !PathExists(control); ++i) std::this_thread::sleep_for(50ms);
    EXPECT_TRUE(PathExists(control)) << "the device host did not start";
    std::string dev = daemon_->data_dir() + "/instances/" + id + "/dev";
    hub_->Call([&] {
      auto d = hub_->hub().AddDevice(id, dev);
      EXPECT_TRUE(d.ok()) << d.error().ToString();
    });
    return id;
  }
  std::string DevDir(const std::string& id) {
    return daemon_->data_dir() + "/instances/" + id + "/dev";
  }
  // Captures everything an instance plays, at volume `v` in one mix.
  void Listen(Pcm* pcm, const std::vector<std::pair<std::string, float>>& inputs) {
    hub_->Call([&] {
      uint64_t l =
          hub_->hub().AddMixListener([pcm](const float* b, size_t n, int64_t) { pcm->Add(b, n); });
      for (auto& [id, v] : inputs) hub_->hub().SetMixInput(l, id, v, false);
    });
  }

  Pcm pcm_;  // before hub_: the hub's callbacks use it
  std::unique_ptr<vmi::testing::Daemon> daemon_;
  std::unique_ptr<testing::HubThread> hub_ = std::make_unique<testing::HubThread>();
};

TEST_F(AudioInstanceTest, AplayInTheGuestArrivesOnTheHost) {
  std::string a = Instance();
  Listen(&pcm_, {{a, 1.0f}});
  testing::MakeToneWav(DevDir(a) + "/tone.wav", 44100, 1, 1.0, 440, 0.5);
  auto [rc, out] = daemon_->Exec(a, {"aplay", "-q", "/run/vmi/tone.wav"});
  ASSERT_EQ(rc, 0) << out;
  auto x = pcm_.Active(4800, 24000);
  ASSERT_EQ(x.size(), 24000u);
  EXPECT_NEAR(testing::PeakFrequency(x, 48000, 100, 2000, 2), 440, 3);
  EXPECT_NEAR(testing::Rms(x), 0.5 / std::sqrt(2.0), 0.03);
}

TEST_F(AudioInstanceTest, TwoInstancesMixAtTheirVolumes) {
  std::string a = Instance(), b = Instance();
  Listen(&pcm_, {{a, 1.0f}, {b, 0.5f}});
  testing::MakeToneWav(DevDir(a) + "/a.wav", 48000, 2, 1.5, 440, 0.4);
  testing::MakeToneWav(DevDir(b) + "/b.wav", 22050, 2, 1.5, 1000, 0.4);
  std::thread tb([&] {
    auto [rc, out] = daemon_->Exec(b, {"aplay", "-q", "/run/vmi/b.wav"});
    EXPECT_EQ(rc, 0) << out;
  });
  auto [rc, out] = daemon_->Exec(a, {"aplay", "-q", "/run/vmi/a.wav"});
  tb.join();
  ASSERT_EQ(rc, 0) << out;
  auto x = pcm_.Active(14400, 24000);
  ASSERT_EQ(x.size(), 24000u);
  double amp_a = testing::ToneAmplitude(x, 48000, 440),
         amp_b = testing::ToneAmplitude(x, 48000, 1000);
  EXPECT_NEAR(amp_a, 0.4, 0.05);
  EXPECT_NEAR(amp_b, 0.2, 0.04);
}

TEST_F(AudioInstanceTest, FakePlaybackPacesTheGuest) {
  std::string a = Instance();
  testing::MakeToneWav(DevDir(a) + "/t.wav", 44100, 2, 3.0, 300, 0.3);
  auto t0 = std::chrono::steady_clock::now();
  auto [rc, out] = daemon_->Exec(a, {"aplay", "-q", "/run/vmi/t.wav"});
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(rc, 0) << out;
  EXPECT_GE(s, 2.5);
}

TEST_F(AudioInstanceTest, MicrophoneReachesArecordInTheGuest) {
  std::string a = Instance();
  AudioDevice* dev = nullptr;
  hub_->Call([&] { dev = hub_->hub().device(a); });
  ASSERT_NE(dev, nullptr);
  std::atomic<bool> stop{false};
  std::thread feeder([&] {
    int err;
    OpusEncoder* enc = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err);
    std::vector<float> pcm(960);
    uint8_t pkt[1500];
    long n = 0;
    auto next = std::chrono::steady_clock::now();
    while (!stop) {
      for (auto& v : pcm) v = 0.5f * std::sin(2 * M_PI * 660 * n++ / 48000.0);
      int len = opus_encode_float(enc, pcm.data(), 960, pkt, sizeof(pkt));
      if (len > 0) (void)dev->microphone().Feed({pkt, size_t(len)});
      next += 20ms;
      std::this_thread::sleep_until(next);
    }
    opus_encoder_destroy(enc);
  });
  auto [rc, out] = daemon_->Exec(a, {"arecord", "-q", "-f", "S16_LE", "-r", "16000", "-c", "1",
                                     "-d", "2", "/run/vmi/rec.wav"});
  stop = true;
  feeder.join();
  ASSERT_EQ(rc, 0) << out;
  int rate = 0;
  auto x = testing::ReadWavChannel0(DevDir(a) + "/rec.wav", &rate);
  ASSERT_GT(x.size(), 16000u);
  std::vector<float> best;
  for (size_t at = 0; at + 4000 <= x.size(); at += 1000) {
    std::vector<float> w(x.begin() + at, x.begin() + at + 4000);
    if (testing::Rms(w) > testing::Rms(best)) best = w;
  }
  EXPECT_NEAR(testing::PeakFrequency(best, 16000, 100, 2000, 2), 660, 3);
  EXPECT_NEAR(testing::ToneAmplitude(best, 16000, 660), 0.5, 0.1);
}

}  // namespace
}  // namespace vmi::audio
