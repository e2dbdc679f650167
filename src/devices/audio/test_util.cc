#include "devices/audio/test_util.h"

#include <gtest/gtest.h>
#include <opus/opus.h>
#include <stdlib.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <thread>

#include "base/file.h"

namespace vmi::audio::testing {

HubThread::HubThread() {
  auto loop = EventLoop::Create();
  if (!loop.ok()) abort();
  loop_ = std::move(*loop);
  auto hub = AudioHub::Create(loop_.get());
  if (!hub.ok()) abort();
  hub_ = std::move(*hub);
  thread_ = std::thread([this] { (void)loop_->Run(); });
}

HubThread::~HubThread() {
  Call([this] { hub_.reset(); });
  loop_->Stop();
  thread_.join();
}

void HubThread::Call(const std::function<void()>& fn) {
  std::promise<void> done;
  loop_->Post([&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

namespace {
void Put(std::string& s, uint32_t v, int n) {
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
}  // namespace

std::string MakeToneWav(const std::string& path, int rate, int channels, double seconds,
                        double freq, double amplitude) {
  size_t frames = static_cast<size_t>(rate * seconds);
  uint32_t data_bytes = static_cast<uint32_t>(frames * channels * 2);
  std::string s = "RIFF";
  Put(s, 36 + data_bytes, 4);
  s += "WAVEfmt ";
  Put(s, 16, 4);
  Put(s, 1, 2);
  Put(s, channels, 2);
  Put(s, rate, 4);
  Put(s, rate * channels * 2, 4);
  Put(s, channels * 2, 2);
  Put(s, 16, 2);
  s += "data";
  Put(s, data_bytes, 4);
  for (size_t i = 0; i < frames; ++i) {
    auto v =
        static_cast<int16_t>(std::lrint(amplitude * 32767 * std::sin(2 * M_PI * freq * i / rate)));
    for (int c = 0; c < channels; ++c) Put(s, static_cast<uint16_t>(v), 2);
  }
  std::ofstream(path, std::ios::binary) << s;
  return path;
}

std::vector<float> ReadWavChannel0(const std::string& path, int* rate) {
  std::vector<float> out;
  auto data = ReadFile(path);
  if (!data.ok() || data->size() < 44) return out;
  const std::string& s = *data;
  auto get = [&](size_t off, int n) {
    uint32_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint32_t{static_cast<uint8_t>(s[off + i])} << (8 * i);
    return v;
  };
  int channels = static_cast<int>(get(22, 2));
  *rate = static_cast<int>(get(24, 4));
  // Walk the chunks to "data" (arecord writes a plain 44-byte header, but
  // do not depend on it).
  size_t off = 12;
  while (off + 8 <= s.size()) {
    uint32_t len = get(off + 4, 4);
    if (s.compare(off, 4, "data") == 0) {
      off += 8;
      size_t end = std::min(s.size(), off + (len == 0xffffffff ? s.size() : len));
      for (size_t p = off; p + 2 * channels <= end; p += 2 * channels)
        out.push_back(static_cast<int16_t>(get(p, 2)) / 32768.0f);
      return out;
    }
    off += 8 + len;
  }
  return out;
}

double ToneAmplitude(const std::vector<float>& x, int rate, double freq) {
  if (x.empty()) return 0;
  double w = 2 * M_PI * freq / rate, c = 2 * std::cos(w);
  double s1 = 0, s2 = 0;
  for (float v : x) {
    double s0 = v + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  double power = s1 * s1 + s2 * s2 - c * s1 * s2;
  return 2 * std::sqrt(std::max(power, 0.0)) / x.size();
}

double PeakFrequency(const std::vector<float>& x, int rate, double lo, double hi, double step) {
  double best = lo, best_a = -1;
  for (double f = lo; f <= hi; f += step) {
    double a = ToneAmplitude(x, rate, f);
    if (a > best_a) {
      best_a = a;
      best = f;
    }
  }
  return best;
}

std::vector<float> StrongestWindow(const std::vector<float>& x, int rate, double freq) {
  const size_t len = static_cast<size_t>(rate / 10), step = static_cast<size_t>(rate / 50);
  std::vector<float> best;
  double best_amp = -1;
  for (size_t at = 0; at + len <= x.size(); at += step) {
    std::vector<float> w(x.begin() + at, x.begin() + at + len);
    double a = ToneAmplitude(w, rate, freq);
    if (a > best_amp) {
      best_amp = a;
      best = std::move(w);
    }
  }
  return best;
}

double Rms(const std::vector<float>& x) {
  double s = 0;
  for (float v : x) s += double{v} * v;
  return x.empty() ? 0 : std::sqrt(s / x.size());
}

std::vector<std::string> AlsaEnv(const std::string& dir, const std::string& devdir) {
  auto conf = ReadFile(std::string(VMI_AUDIO_SOURCE_ROOT) + "/images/linux-mobile/etc/asound.conf");
  EXPECT_TRUE(conf.ok());
  std::string text = conf.ok() ? *conf : "";
  const std::string from = "/opt/vmi/lib";
  for (size_t p; (p = text.find(from)) != std::string::npos;)
    text.replace(p, from.size(), std::string(VMI_AUDIO_GUEST_KIT) + "/lib");
  std::string path = dir + "/asound.conf";
  EXPECT_TRUE(WriteFile(path, text).ok());
  return {"ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:" + path, "VMI_DEVDIR=" + devdir,
          "HOME=" + dir};
}

void Heard::Add(const float* b, size_t frames) {
  std::lock_guard lock(mu);
  for (size_t i = 0; i < frames; ++i) left.push_back(b[2 * i]);
}

std::vector<float> Heard::Take() {
  std::lock_guard lock(mu);
  return std::exchange(left, {});
}

void Speak(AudioDevice* dev, double hz, double amplitude, int ms) {
  int err;
  OpusEncoder* enc = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err);
  ASSERT_EQ(err, OPUS_OK);
  std::vector<float> pcm(960);
  uint8_t pkt[1500];
  long n = 0;
  auto next = std::chrono::steady_clock::now();
  for (int t = 0; t < ms; t += 20) {
    for (auto& v : pcm) v = static_cast<float>(amplitude * std::sin(2 * M_PI * hz * n++ / 48000.0));
    int len = opus_encode_float(enc, pcm.data(), 960, pkt, sizeof pkt);
    if (len > 0) (void)dev->microphone().Feed({pkt, size_t(len)});
    next += std::chrono::milliseconds(20);
    std::this_thread::sleep_until(next);
  }
  opus_encoder_destroy(enc);
}

std::vector<float> Steady(const std::vector<float>& x) {
  size_t start = 0;
  while (start < x.size() && std::fabs(x[start]) < 1e-3) ++start;
  start += 9600;  // 200 ms in
  if (start + 4800 > x.size()) return {};
  return std::vector<float>(x.begin() + static_cast<std::ptrdiff_t>(start), x.end());
}

void ExpectEachHearsTheOther(const std::vector<float>& heard_a, const std::vector<float>& heard_b) {
  ASSERT_FALSE(heard_b.empty());
  ASSERT_FALSE(heard_a.empty());
  auto at_b_660 = StrongestWindow(heard_b, 48000, 660);
  auto at_b_1000 = StrongestWindow(heard_b, 48000, 1000);
  auto at_a_1000 = StrongestWindow(heard_a, 48000, 1000);
  EXPECT_NEAR(PeakFrequency(at_b_660, 48000, 100, 2000, 2), 660, 3);
  EXPECT_NEAR(ToneAmplitude(at_b_660, 48000, 660), 0.5, 0.1);
  EXPECT_LT(ToneAmplitude(at_b_1000, 48000, 1000), 0.02);  // not its own voice
  EXPECT_NEAR(PeakFrequency(at_a_1000, 48000, 100, 2000, 2), 1000, 3);
  EXPECT_NEAR(ToneAmplitude(at_a_1000, 48000, 1000), 0.3, 0.06);
}

}  // namespace vmi::audio::testing
