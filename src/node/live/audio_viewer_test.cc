// A browser viewer's sound through InstanceLive with the node's real
// AudioHost: Opus out as 0x20 messages, the microphone only from the viewer
// that controls input, a malformed microphone message closes the viewer,
// and the instance's stop ends it all and removes the device.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "base/file.h"
#include "base/temp_dir.h"
#include "devices/audio/host_format.h"
#include "devices/audio/viewer_audio.h"
#include "devices/audio/audio_host.h"
#include "node/live/instance_live.h"
#include "stream/web/testing_sinks.h"

namespace vmi::node::live {
namespace {

using namespace std::chrono_literals;

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// A MIC_OPUS message carrying `opus`.
std::string Mic(const std::string& opus) {
  std::string m(audio::kWsMicHeaderBytes, '\0');
  m[0] = static_cast<char>(audio::kWsMicOpus);
  return m + opus;
}

class AudioViewerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tmp = TempDir::Create("vmi-audio-viewer");
    ASSERT_TRUE(tmp.ok()) << tmp.error().ToString();
    tmp_ = std::move(*tmp);
    dir_ = tmp_.path();
    auto h = audio::AudioHost::Create();
    ASSERT_TRUE(h.ok()) << h.error().ToString();
    host_ = std::move(*h);
    InstanceRecord r;
    r.spec.id = "i1";
    r.spec.width = 360;
    r.spec.height = 640;
    LiveOptions o;
    o.surface = false;
    live_ = InstanceLive::Start(r, dir_, std::make_shared<input::InputRouter>(), o, host_);
    ASSERT_TRUE(live_->has_audio());
  }
  void TearDown() override {
    // As the WebSocket binding does: close, disconnect, then let go.
    for (auto& l : links_) {
      l->session->OnClose();
      if (live_) live_->Disconnect(l.get());
    }
    links_.clear();
    if (live_) live_->Shutdown();
    live_.reset();
    host_.reset();
  }
  std::pair<std::shared_ptr<ViewerLink>, web::RecordingTransport*> Viewer(bool sound = true) {
    auto link = std::make_shared<ViewerLink>();
    link->sound = sound;
    auto t = std::make_unique<web::RecordingTransport>();
    auto* raw = t.get();
    link->transport = std::move(t);
    EXPECT_TRUE(live_->Connect(link).ok());
    links_.push_back(link);
    return {link, raw};
  }
  audio::AudioDevice* device() { return host_->device("i1"); }

  TempDir tmp_;
  std::string dir_;
  std::shared_ptr<audio::AudioHost> host_;
  std::shared_ptr<InstanceLive> live_;
  std::vector<std::shared_ptr<ViewerLink>> links_;
};

TEST_F(AudioViewerTest, ViewersReceiveTheInstancesOpusPackets) {
  auto [link, t] = Viewer();
  std::string m = t->WaitFor(audio::kWsAudioOpus);
  ASSERT_GE(m.size(), audio::kWsAudioHeaderBytes + 1);
  EXPECT_EQ(m[1], 0);
  EXPECT_EQ(m[2], 0);
  EXPECT_EQ(m[3], 0);
  uint32_t duration = 0;
  for (int i = 0; i < 4; ++i) duration |= uint32_t{static_cast<uint8_t>(m[16 + i])} << (8 * i);
  EXPECT_EQ(duration, static_cast<uint32_t>(audio::kBlockUs));  // one host block per packet
  EXPECT_TRUE(device()->has_subscribers());
  // The viewer leaves: the device has nobody to encode for.
  link->session->OnClose();
  live_->Disconnect(link.get());
  EXPECT_FALSE(device()->has_subscribers());
}

TEST_F(AudioViewerTest, AViewerWithoutSoundGetsNoneAndCannotFeedTheMicrophone) {
  auto [quiet, tq] = Viewer(false);
  auto [loud, tl] = Viewer();
  tl->WaitFor(audio::kWsAudioOpus);  // the instance is sending
  for (const auto& m : tq->messages())
    EXPECT_NE(static_cast<uint8_t>(m[0]), audio::kWsAudioOpus) << "audio to a viewer without sound";
  // It holds control, yet its microphone packets go nowhere.
  quiet->session->OnMessage(Bytes(std::string("\x10\x01\x01\x00", 4)));
  quiet->session->OnMessage(Bytes(std::string("\x16\x01", 2)));
  quiet->session->OnMessage(Bytes(Mic(std::string("\x03\x00", 2))));
  EXPECT_EQ(device()->microphone().malformed(), 0u);
  EXPECT_FALSE(tq->closed());
}

TEST_F(AudioViewerTest, OnlyTheControllingViewerFeedsTheMicrophone) {
  auto [a, ta] = Viewer();
  auto [b, tb] = Viewer();
  // Not valid Opus (code 3 with zero frames): the microphone counts it as
  // malformed if it gets it at all.
  std::string junk = Mic(std::string("\x03\x00", 2));
  a->session->OnMessage(Bytes(junk));
  EXPECT_EQ(device()->microphone().malformed(), 0u) << "fed without control";
  // Viewer a says hello and takes control; now its packets reach the mic.
  a->session->OnMessage(Bytes(std::string("\x10\x01\x01\x00", 4)));
  a->session->OnMessage(Bytes(std::string("\x16\x01", 2)));
  a->session->OnMessage(Bytes(junk));
  EXPECT_EQ(device()->microphone().malformed(), 1u);
  b->session->OnMessage(Bytes(junk));
  EXPECT_EQ(device()->microphone().malformed(), 1u) << "fed by a viewer without control";
  EXPECT_FALSE(ta->closed());
  EXPECT_FALSE(tb->closed());
}

TEST_F(AudioViewerTest, AMalformedMicrophoneMessageClosesThatViewer) {
  auto [a, ta] = Viewer();
  auto [b, tb] = Viewer();
  std::string bad = Mic("x");
  bad[2] = 1;  // reserved byte
  a->session->OnMessage(Bytes(bad));
  EXPECT_TRUE(ta->closed());
  EXPECT_EQ(ta->close_code(), 1008);
  EXPECT_FALSE(tb->closed());
  tb->WaitFor(audio::kWsAudioOpus);
}

TEST_F(AudioViewerTest, StopEndsTheSoundAndRemovesTheDevice) {
  auto [a, ta] = Viewer();
  ta->WaitFor(audio::kWsAudioOpus);
  live_->Shutdown();
  EXPECT_TRUE(ta->closed());
  EXPECT_EQ(ta->close_code(), 1001);
  EXPECT_EQ(host_->device_count(), 0u);
  EXPECT_FALSE(PathExists(dir_ + "/audio.sock"));
  size_t n = ta->messages().size();
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(ta->messages().size(), n) << "audio after the instance stopped";
  // Late client messages of the closed viewer are dropped quietly.
  a->session->OnMessage(Bytes(Mic("x")));
}

}  // namespace
}  // namespace vmi::node::live
