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
using testing::Heard;
using testing::HubThread;
using testing::Speak;
using testing::Steady;
using testing::TempDir;

std::string PeerOf(HubThread& hub, const std::string& id) {
  std::string peer;
  hub.Call([&] { peer = hub.hub().call_peer(id); });
  return peer;
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
  testing::ExpectEachHearsTheOther(Steady(at_a.Take()), Steady(at_b.Take()));

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
