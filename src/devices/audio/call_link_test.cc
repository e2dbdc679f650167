// In-call audio between two sound cards in different processes (CallLink,
// AudioHub::SetCallLink): two hubs on two threads with their own clocks, as
// two device hosts run them, joined by a SOCK_SEQPACKET pair; a tone spoken
// into each side's microphone (Opus, as a viewer's browser sends it) is
// heard at the other side's output during the call and not after it.
#include <gtest/gtest.h>
#include <opus/opus.h>
#include <sys/socket.h>

#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>

#include "devices/audio/audio_hub.h"
#include "devices/audio/call_link.h"
#include "devices/audio/test_util.h"

namespace vmi::audio {
namespace {

using namespace std::chrono_literals;
using testing::Heard;
using testing::HubThread;
using testing::Speak;
using testing::Steady;
using testing::TempDir;

// One device host's sound card: its own hub and one device, heard by a mix
// listener.
struct Side {
  // Declared so that the hub (whose thread calls the listener) goes first.
  TempDir dir;
  Heard heard;
  HubThread hub;
  AudioDevice* dev = nullptr;
  explicit Side(const std::string& id) {
    hub.Call([&] {
      dev = *hub.hub().AddDevice(id, dir.path());
      uint64_t l = hub.hub().AddMixListener([this](const float* x, size_t n, int64_t) { heard.Add(x, n); });
      hub.hub().SetMixInput(l, id, 1.0f, false);
    });
  }
  CallLink::Stats Stats(const std::string& id) {
    CallLink::Stats s;
    hub.Call([&] {
      if (auto* l = hub.hub().call_link(id)) s = l->stats();
    });
    return s;
  }
  bool Linked(const std::string& id) {
    bool linked = false;
    hub.Call([&] { linked = hub.hub().call_link(id) != nullptr; });
    return linked;
  }
};

void Link(Side& a, Side& b) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  a.hub.Call([&] { a.hub.hub().SetCallLink("a", std::make_unique<CallLink>(UniqueFd(sv[0]), "b")); });
  b.hub.Call([&] { b.hub.hub().SetCallLink("b", std::make_unique<CallLink>(UniqueFd(sv[1]), "a")); });
}

TEST(CallLink, EachSidesMicrophoneIsHeardAtTheOtherProcesssOutputOnlyDuringTheCall) {
  Side a("a"), b("b");
  Speak(a.dev, 660, 0.5, 200);  // no call: A's voice stays with A
  EXPECT_LT(testing::Rms(b.heard.Take()), 1e-4);

  Link(a, b);
  a.heard.Take();
  b.heard.Take();
  std::thread other([&] { Speak(b.dev, 1000, 0.3, 600); });
  Speak(a.dev, 660, 0.5, 600);
  other.join();
  std::this_thread::sleep_for(30ms);
  testing::ExpectEachHearsTheOther(Steady(a.heard.Take()), Steady(b.heard.Take()));
  auto s = a.Stats("a");
  EXPECT_GT(s.sent, 100u);
  EXPECT_GT(s.played, 100u);

  // A hangs up: B's link sees it within a block or two and is dropped, and
  // A's voice no longer reaches B.
  a.hub.Call([&] { a.hub.hub().EndCallLink("a"); });
  for (int i = 0; i < 100 && b.Linked("b"); ++i) std::this_thread::sleep_for(5ms);
  EXPECT_FALSE(b.Linked("b"));
  b.heard.Take();
  Speak(a.dev, 660, 0.5, 200);
  EXPECT_LT(testing::Rms(b.heard.Take()), 1e-4);
}

TEST(CallLink, ARelinkAfterTheFarEndRestartsCarriesTheCallAgain) {
  Side a("a");
  std::optional<Side> b;
  b.emplace("b");
  Link(a, *b);
  b.reset();  // B's process dies: its end of the pair closes with it
  for (int i = 0; i < 100 && a.Linked("a"); ++i) std::this_thread::sleep_for(5ms);
  EXPECT_FALSE(a.Linked("a"));

  b.emplace("b");  // restarted, and linked again by the daemon
  Link(a, *b);
  b->heard.Take();
  Speak(a.dev, 660, 0.5, 500);
  std::this_thread::sleep_for(30ms);
  auto heard = Steady(b->heard.Take());
  ASSERT_FALSE(heard.empty());
  EXPECT_NEAR(testing::ToneAmplitude(testing::StrongestWindow(heard, 48000, 660), 48000, 660), 0.5, 0.1);
}

TEST(CallLink, AMalformedDatagramEndsTheLink) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd far(sv[1]);
  CallLink link(UniqueFd(sv[0]), "far");
  EXPECT_EQ(link.Exchange(nullptr), nullptr);  // nothing arrived yet
  EXPECT_FALSE(link.closed());
  std::vector<float> block(2 * kBlockFrames, 0.25f);
  ASSERT_EQ(send(far.get(), block.data(), CallLink::kBlockBytes, 0), ssize_t(CallLink::kBlockBytes));
  EXPECT_EQ(link.Exchange(nullptr), nullptr);  // one block waits (kPrefill)
  ASSERT_EQ(send(far.get(), block.data(), CallLink::kBlockBytes, 0), ssize_t(CallLink::kBlockBytes));
  const float* in = link.Exchange(nullptr);
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(in[7], 0.25f);
  // A longer datagram (and a shorter one) is not a block.
  std::vector<char> big(CallLink::kBlockBytes + 4);
  ASSERT_GT(send(far.get(), big.data(), big.size(), 0), 0);
  EXPECT_EQ(link.Exchange(nullptr), nullptr);
  EXPECT_TRUE(link.closed());
  EXPECT_NE(link.close_reason().find("not " + std::to_string(CallLink::kBlockBytes)),
            std::string::npos);
}

TEST(CallLink, TheQueueIsCutSoAStalledSideBuildsNoDelay) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd far(sv[1]);
  CallLink link(UniqueFd(sv[0]), "far");
  std::vector<float> block(2 * kBlockFrames);
  for (int i = 0; i < 10; ++i) {  // ten blocks while this side did not tick
    block[0] = static_cast<float>(i);
    ASSERT_EQ(send(far.get(), block.data(), CallLink::kBlockBytes, 0), ssize_t(CallLink::kBlockBytes));
  }
  const float* in = link.Exchange(nullptr);
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(in[0], 10.0f - CallLink::kMaxQueued);  // the newest kMaxQueued were kept
  EXPECT_EQ(link.stats().dropped, 10 - CallLink::kMaxQueued);
  // The delay left behind (kMaxQueued - 1 blocks queued, more than
  // kPrefill) goes one block per kDrainTicks while blocks keep coming.
  for (int t = 0; t < CallLink::kDrainTicks; ++t) {
    ASSERT_EQ(send(far.get(), block.data(), CallLink::kBlockBytes, 0), ssize_t(CallLink::kBlockBytes));
    ASSERT_NE(link.Exchange(nullptr), nullptr);
    std::vector<float> got(2 * kBlockFrames);
    ASSERT_EQ(recv(far.get(), got.data(), CallLink::kBlockBytes, 0), ssize_t(CallLink::kBlockBytes));
  }
  EXPECT_EQ(link.stats().dropped, 10 - CallLink::kMaxQueued + 1);
  // Its own blocks went out: the far end reads them.
  std::vector<float> got(2 * kBlockFrames);
  EXPECT_EQ(recv(far.get(), got.data(), CallLink::kBlockBytes, MSG_DONTWAIT), ssize_t(CallLink::kBlockBytes));
  // Far end gone: closed at the next exchange.
  far.reset();
  link.Exchange(nullptr);
  link.Exchange(nullptr);
  EXPECT_TRUE(link.closed());
}

}  // namespace
}  // namespace vmi::audio
