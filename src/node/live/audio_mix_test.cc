// A mix listener over the node's real AudioHost: two devices played by the
// real aplay through the guest's ALSA plugin, the mix encoded to Opus and
// decoded here; per-listener volume and mute; silence not sent; strict
// settings; a client that refuses packets; nothing after Close.
#include "node/live/audio_mix.h"

#include <gtest/gtest.h>
#include <opus/opus.h>

#include <chrono>
#include <cmath>
#include <future>
#include <mutex>
#include <thread>

#include "base/child_process.h"
#include "base/file.h"
#include "base/temp_dir.h"
#include "devices/audio/test_util.h"
#include "devices/audio/viewer_audio.h"

namespace vmi::node::live {
namespace {

using namespace std::chrono_literals;
namespace at = audio::testing;

TEST(ParseMixInstancesTest, ListsAreStrict) {
  auto ok = ParseMixInstances("a,b,a,c");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, (std::vector<std::string>{"a", "b", "c"}));
  for (const char* bad : {"", ",", "a,", ",a", "a,,b"}) {
    EXPECT_FALSE(ParseMixInstances(bad).ok()) << "'" << bad << "'";
  }
  std::string many;
  for (size_t i = 0; i <= AudioMix::kMaxInstances; ++i) many += (i ? "," : "") + std::to_string(i);
  auto r = ParseMixInstances(many);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("at most 64"), std::string::npos);
}

// What a client of the mix received: 0x20 messages, decoded.
class Received {
 public:
  Received() {
    int err = 0;
    dec_ = opus_decoder_create(48000, 2, &err);
  }
  ~Received() { opus_decoder_destroy(dec_); }
  bool Add(std::string m) {
    std::lock_guard lock(mu_);
    if (refuse_) return false;
    msgs_.push_back(std::move(m));
    return true;
  }
  void Refuse(bool r) {
    std::lock_guard lock(mu_);
    refuse_ = r;
  }
  size_t count() {
    std::lock_guard lock(mu_);
    return msgs_.size();
  }
  // Left channel of every message from index `from` on.
  std::vector<float> Left(size_t from) {
    std::lock_guard lock(mu_);
    std::vector<float> out;
    std::vector<float> pcm(2 * 960);
    for (size_t i = from; i < msgs_.size(); ++i) {
      const std::string& m = msgs_[i];
      EXPECT_EQ(static_cast<uint8_t>(m[0]), audio::kWsAudioOpus);
      int n = opus_decode_float(
          dec_, reinterpret_cast<const unsigned char*>(m.data()) + audio::kWsAudioHeaderBytes,
          static_cast<int>(m.size() - audio::kWsAudioHeaderBytes), pcm.data(), 960, 0);
      EXPECT_GT(n, 0);
      for (int k = 0; k < n; ++k) out.push_back(pcm[2 * k]);
    }
    return out;
  }

 private:
  std::mutex mu_;
  bool refuse_ = false;
  std::vector<std::string> msgs_;
  OpusDecoder* dec_ = nullptr;
};

TEST(ParseMixSettingTest, OneInstanceAndKnownFieldsOnly) {
  auto s = ParseMixSetting(R"({"instance": "a", "volume": 0.25, "muted": true})");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->instance, "a");
  EXPECT_FLOAT_EQ(*s->volume, 0.25f);
  EXPECT_TRUE(*s->muted);
  auto only = ParseMixSetting(R"({"instance": "a"})");
  ASSERT_TRUE(only.ok());
  EXPECT_FALSE(only->volume);
  EXPECT_FALSE(only->muted);
  for (const char* bad :
       {R"({"volume": 0.5})", R"({"instance": ""})", R"({"instance": 1})",
        R"({"instance": "a", "volume": 1e308})", R"({"instance": "a", "volume": null})",
        R"({"instance": "a", "muted": "yes"})", R"({"instance": "a", "x": 0})", "{", "\"a\"",
        "[{}]"}) {
    EXPECT_FALSE(ParseMixSetting(bad).ok()) << bad;
  }
}

class AudioMixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto h = audio::AudioHost::Create();
    ASSERT_TRUE(h.ok()) << h.error().ToString();
    host_ = std::move(*h);
    for (const char* id : {"a", "b"}) {
      auto d = TempDir::Create(std::string("vmi-mix-") + id);
      ASSERT_TRUE(d.ok());
      ASSERT_TRUE(host_->Add(id, d->path()).ok());
      dirs_.push_back(std::move(*d));
    }
  }
  void TearDown() override {
    mix_.reset();
    if (host_) {
      host_->Remove("a");
      host_->Remove("b");
    }
  }
  void Open(std::vector<std::string> ids) {
    auto m = AudioMix::Open(host_, std::move(ids),
                            [this](std::string s) { return rx_.Add(std::move(s)); });
    ASSERT_TRUE(m.ok()) << m.error().ToString();
    mix_ = std::move(*m);
  }
  // Plays a tone through the guest plugin into instance `i` (0: a, 1: b).
  std::future<Result<RunOutput>> Play(int i, double freq, double seconds) {
    const std::string& dir = dirs_[i].path();
    std::string wav = at::MakeToneWav(dir + "/tone.wav", 48000, 2, seconds, freq, 0.4);
    auto env = at::AlsaEnv(dir, dir);
    return std::async(std::launch::async, [env, wav] {
      SpawnOptions o;
      o.env = env;
      return vmi::Run({"aplay", "-q", wav}, o, 30s);
    });
  }

  std::shared_ptr<audio::AudioHost> host_;
  std::vector<TempDir> dirs_;
  Received rx_;
  std::unique_ptr<AudioMix> mix_;
};

TEST_F(AudioMixTest, TwoInstancesMixAtTheListenersVolumes) {
  Open({"a", "b"});
  // Silence is not sent: nothing plays yet.
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(rx_.count(), 0u);
  ASSERT_TRUE(mix_->OnText(R"({"instance": "b", "volume": 0.5})").ok());
  auto pa = Play(0, 440, 1.5);
  auto pb = Play(1, 660, 1.5);
  auto ra = pa.get();
  auto rb = pb.get();
  ASSERT_TRUE(ra.ok() && ra->ok()) << (ra.ok() ? ra->err : ra.error().ToString());
  ASSERT_TRUE(rb.ok() && rb->ok()) << (rb.ok() ? rb->err : rb.error().ToString());
  std::vector<float> x = rx_.Left(0);
  ASSERT_GT(x.size(), 48000u) << "at least a second of sound";
  // The middle second, where both tones play.
  std::vector<float> mid(x.begin() + x.size() / 2 - 24000, x.begin() + x.size() / 2 + 24000);
  double a = at::ToneAmplitude(mid, 48000, 440), b = at::ToneAmplitude(mid, 48000, 660);
  EXPECT_GT(a, 0.2) << "440 Hz from instance a";
  EXPECT_GT(b, 0.1) << "660 Hz from instance b";
  EXPECT_NEAR(a / b, 2.0, 0.4) << "b at half the volume of a";
}

TEST_F(AudioMixTest, AMutedInstanceIsNotHeardAndTheOtherIs) {
  Open({"a", "b"});
  ASSERT_TRUE(mix_->OnText(R"({"instance": "a", "muted": true})").ok());
  auto pa = Play(0, 440, 1.0);
  auto pb = Play(1, 660, 1.0);
  ASSERT_TRUE(pa.get().ok());
  ASSERT_TRUE(pb.get().ok());
  std::vector<float> x = rx_.Left(0);
  ASSERT_GT(x.size(), 24000u);
  std::vector<float> mid(x.begin() + x.size() / 4, x.begin() + 3 * x.size() / 4);
  EXPECT_LT(at::ToneAmplitude(mid, 48000, 440), 0.01);
  EXPECT_GT(at::ToneAmplitude(mid, 48000, 660), 0.2);
}

TEST_F(AudioMixTest, AnInstanceWithoutADeviceIsSilentUntilItHasOne) {
  host_->Remove("b");  // b is stopped
  Open({"a", "b"});
  auto pa = Play(0, 440, 0.5);
  ASSERT_TRUE(pa.get().ok());
  EXPECT_GT(rx_.count(), 20u) << "a is heard although b has no sound card";
}

TEST(WavStreamHeaderTest, ByteExact) {
  const std::string h = WavStreamHeader();
  const std::string want(
      "RIFF\xff\xff\xff\xffWAVEfmt \x10\x00\x00\x00\x01\x00\x02\x00"
      "\x80\xbb\x00\x00\x00\xee\x02\x00\x04\x00\x10\x00"
      "data\xff\xff\xff\xff",
      44);
  EXPECT_EQ(h, want);
}

TEST_F(AudioMixTest, AWavMixCarriesEveryBlockAsPcmIncludingSilence) {
  std::mutex mu;
  std::string wav;
  auto m = AudioMix::Open(
      host_, {"a"},
      [&](std::string s) {
        std::lock_guard lock(mu);
        wav += s;
        return true;
      },
      AudioMix::Encoding::kWav);
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  std::this_thread::sleep_for(200ms);  // silence is sent too: real time
  {
    std::lock_guard lock(mu);
    ASSERT_GE(wav.size(), 44u + 4800 * 4) << "at least 100 ms of silence";
    EXPECT_EQ(wav.substr(0, 44), WavStreamHeader());
  }
  auto pa = Play(0, 440, 1.0);
  ASSERT_TRUE(pa.get().ok());
  (*m)->Close();
  std::lock_guard lock(mu);
  ASSERT_EQ((wav.size() - 44) % 4, 0u) << "whole stereo frames";
  std::vector<float> left;
  for (size_t i = 44; i + 3 < wav.size(); i += 4) {
    auto v =
        static_cast<int16_t>(static_cast<uint8_t>(wav[i]) | static_cast<uint8_t>(wav[i + 1]) << 8);
    left.push_back(v / 32768.0f);
  }
  // The loudest second: where the tone played.
  size_t best = 0;
  double best_rms = 0;
  for (size_t s = 0; s + 24000 <= left.size(); s += 4800) {
    std::vector<float> w(left.begin() + s, left.begin() + s + 24000);
    double r = at::Rms(w);
    if (r > best_rms) best_rms = r, best = s;
  }
  std::vector<float> w(left.begin() + best, left.begin() + best + 24000);
  EXPECT_NEAR(at::ToneAmplitude(w, 48000, 440), 0.4, 0.05);
  EXPECT_NEAR(at::PeakFrequency(w, 48000, 100, 2000, 2), 440, 3);
}

TEST_F(AudioMixTest, SettingsAreStrict) {
  Open({"a", "b"});
  for (const char* bad :
       {R"({"instance": "c", "volume": 0.5})", R"({"volume": 0.5})", R"({"instance": 1})",
        R"({"instance": "a", "volume": 1.5})", R"({"instance": "a", "volume": -0.1})",
        R"({"instance": "a", "volume": "1"})", R"({"instance": "a", "muted": 1})",
        R"({"instance": "a", "gain": 1})", "[]", "not json"}) {
    EXPECT_FALSE(mix_->OnText(bad).ok()) << bad;
  }
  EXPECT_TRUE(mix_->OnText(R"({"instance": "a", "volume": 0, "muted": false})").ok());
  EXPECT_FALSE(AudioMix::Open(host_, {}, [](std::string) { return true; }).ok());
}

TEST_F(AudioMixTest, AClientThatRefusesLosesPacketsAndNothingAfterClose) {
  Open({"a"});
  rx_.Refuse(true);
  auto pa = Play(0, 440, 0.5);
  ASSERT_TRUE(pa.get().ok()) << "the guest is never held up";
  EXPECT_GT(mix_->stats().packets_dropped, 20u);
  EXPECT_EQ(rx_.count(), 0u);
  rx_.Refuse(false);
  // The mixer may still deliver the tail of the first tone between the two
  // calls above; what counts is that nothing arrives once Close() returned.
  mix_->Close();
  const size_t at_close = rx_.count();
  auto again = Play(0, 440, 0.3);
  ASSERT_TRUE(again.get().ok());
  EXPECT_EQ(rx_.count(), at_close) << "sent after Close";
}

}  // namespace
}  // namespace vmi::node::live
