// In-call mode of the sound card (AudioHub::SetCallPeer): two devices on a
// real hub, the microphone of one fed with Opus as a viewer's browser sends
// it, the other's output heard by a mix listener.
#include <gtest/gtest.h>
#include <opus/opus.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>

#include "devices/audio/audio_hub.h"
#include "devices/audio/test_util.h"

namespace vmi::audio {
namespace {

using namespace std::chrono_literals;
using testing::HubThread;
using testing::TempDir;

struct Heard {
  std::mutex mu;
  std::vector<float> left;
  void Add(const float* b, size_t frames) {
    std::lock_guard lock(mu);
    for (size_t i = 0; i < frames; ++i) left.push_back(b[2 * i]);
  }
  std::vector<float> Take() {
    std::lock_guard lock(mu);
    return std::exchange(left, {});
  }
};

// Speaks a tone into `dev`'s microphone in 20 ms Opus packets, paced in
// real time, for `ms`.
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
    next += 20ms;
    std::this_thread::sleep_until(next);
  }
  opus_encoder_destroy(enc);
}

std::string PeerOf(HubThread& hub, const std::string& id) {
  std::string peer;
  hub.Call([&] { peer = hub.hub().call_peer(id); });
  return peer;
}

// 100 ms from the middle of what was heard (past the Opus encoder's start).
std::vector<float> Steady(const std::vector<float>& x) {
  size_t start = 0;
  while (start < x.size() && std::fabs(x[start]) < 1e-3) ++start;
  start += 9600;  // 200 ms in
  if (start + 4800 > x.size()) return {};
  return std::vector<float>(x.begin() + start, x.end());
}

TEST(CallBridge, EachSidesMicrophoneIsHeardAtTheOthersOutputOnlyDuringTheCall) {
  TempDir dir_a, dir_b;
  HubThread hub;
  AudioDevice *a = nullptr, *b = nullptr;
  Heard at_a, at_b;
  hub.Call([&] {
    a = *hub.hub().AddDevice("a", dir_a.path());
    b = *hub.hub().AddDevice("b", dir_b.path());
    uint64_t la = hub.hub().AddMixListener([&](const float* x, size_t n, int64_t) { at_a.Add(x, n); });
    hub.hub().SetMixInput(la, "a", 1.0f, false);
    uint64_t lb = hub.hub().AddMixListener([&](const float* x, size_t n, int64_t) { at_b.Add(x, n); });
    hub.hub().SetMixInput(lb, "b", 1.0f, false);
  });

  // No call: what A's viewer says stays with A (its guest may record it).
  Speak(a, 660, 0.5, 300);
  EXPECT_LT(testing::Rms(at_b.Take()), 1e-4);

  hub.Call([&] { hub.hub().SetCallPeer("a", "b"); });
  EXPECT_EQ(PeerOf(hub, "b"), "a");
  at_a.Take();
  at_b.Take();
  std::thread other([&] { Speak(b, 1000, 0.3, 600); });
  Speak(a, 660, 0.5, 600);
  other.join();
  std::this_thread::sleep_for(50ms);
  auto heard_b = Steady(at_b.Take()), heard_a = Steady(at_a.Take());
  ASSERT_FALSE(heard_b.empty());
  ASSERT_FALSE(heard_a.empty());
  auto at_b_660 = testing::StrongestWindow(heard_b, 48000, 660);
  auto at_b_1000 = testing::StrongestWindow(heard_b, 48000, 1000);
  auto at_a_1000 = testing::StrongestWindow(heard_a, 48000, 1000);
  EXPECT_NEAR(testing::PeakFrequency(at_b_660, 48000, 100, 2000, 2), 660, 3);
  EXPECT_NEAR(testing::ToneAmplitude(at_b_660, 48000, 660), 0.5, 0.1);
  EXPECT_LT(testing::ToneAmplitude(at_b_1000, 48000, 1000), 0.02);  // not its own voice
  EXPECT_NEAR(testing::PeakFrequency(at_a_1000, 48000, 100, 2000, 2), 1000, 3);
  EXPECT_NEAR(testing::ToneAmplitude(at_a_1000, 48000, 1000), 0.3, 0.06);

  // Hung up: silence again.
  hub.Call([&] { hub.hub().ClearCallPeer("b"); });
  EXPECT_EQ(PeerOf(hub, "a"), "");
  at_b.Take();
  Speak(a, 660, 0.5, 300);
  EXPECT_LT(testing::Rms(at_b.Take()), 1e-4);
}

TEST(CallBridge, ANewPeerEndsTheOldBridgeAndAMissingDeviceIsSilent) {
  TempDir dir_a;
  HubThread hub;
  hub.Call([&] {
    ASSERT_TRUE(hub.hub().AddDevice("a", dir_a.path()).ok());
    hub.hub().SetCallPeer("a", "b");
    hub.hub().SetCallPeer("a", "c");  // b's bridge goes
    hub.hub().SetCallPeer("x", "x");  // no call with oneself
  });
  std::this_thread::sleep_for(30ms);  // ticks with a peer that has no device
  EXPECT_EQ(PeerOf(hub, "a"), "c");
  EXPECT_EQ(PeerOf(hub, "b"), "");
  EXPECT_EQ(PeerOf(hub, "x"), "");
}

}  // namespace
}  // namespace vmi::audio
