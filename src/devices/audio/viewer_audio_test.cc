// Byte-exact tests of the audio messages on the viewer WebSocket.
#include "devices/audio/viewer_audio.h"

#include <gtest/gtest.h>

#include <vector>

namespace vmi::audio {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(ViewerAudio, AudioOpusBytes) {
  OpusPacket p{0x01020304, 0x0000018b2c3d4e5f, 10000, {0xfc, 0xaa}};
  std::string s = EncodeWsAudioOpus(p);
  Bytes want = {0x20, 0x00, 0x00, 0x00, 0x04, 0x03, 0x02, 0x01,  // type, rsvd, seq
                0x5f, 0x4e, 0x3d, 0x2c, 0x8b, 0x01, 0x00, 0x00,  // timestamp_us
                0x10, 0x27, 0x00, 0x00,                          // duration 10000 us
                0xfc, 0xaa};
  EXPECT_EQ(Bytes(s.begin(), s.end()), want);
}

TEST(ViewerAudio, MicOpusParses) {
  Bytes m = {0x21, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00,  //
             0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x01};
  auto p = ParseWsMic(m);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->seq, 7u);
  EXPECT_EQ(p->timestamp_us, 1);
  EXPECT_EQ(Bytes(p->opus.begin(), p->opus.end()), (Bytes{0xf8, 0x01}));
}

TEST(ViewerAudio, MicRejectsMalformed) {
  Bytes ok = {0x21, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf8};
  EXPECT_TRUE(ParseWsMic(ok).ok());
  Bytes b = ok;
  b[0] = 0x20;  // server-only type
  EXPECT_FALSE(ParseWsMic(b).ok());
  b = ok;
  b[2] = 1;
  EXPECT_FALSE(ParseWsMic(b).ok());
  EXPECT_FALSE(ParseWsMic(Bytes(ok.begin(), ok.end() - 1)).ok());  // empty Opus
  Bytes big(16 + 1501, 0);
  big[0] = 0x21;
  EXPECT_FALSE(ParseWsMic(big).ok());
}

}  // namespace
}  // namespace vmi::audio

#include <opus/opus.h>

#include "devices/audio/audio_device.h"
#include "devices/audio/test_util.h"

namespace vmi::audio {
namespace {

TEST(ViewerAudioLink, SendsAudioAndTakesMicOnlyWhenAllowed) {
  testing::TempDir dir;
  testing::HubThread h;
  AudioDevice* dev = nullptr;
  h.Call([&] { dev = *h.hub().AddDevice("a", dir.path()); });
  std::mutex mu;
  std::vector<std::string> sent;
  auto link = std::make_unique<ViewerAudioLink>(dev, [&](std::string m) {
    std::lock_guard lock(mu);
    sent.push_back(std::move(m));
    return true;
  });
  int err;
  OpusEncoder* enc = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err);
  std::vector<float> pcm(960, 0.3f);
  uint8_t out[1500];
  int len = opus_encode_float(enc, pcm.data(), 960, out, sizeof(out));
  opus_encoder_destroy(enc);
  Bytes msg(16, 0);
  msg[0] = kWsMicOpus;
  msg.insert(msg.end(), out, out + len);
  h.Call([&] { dev->microphone().Pull(pcm.data(), 480); });  // start empty
  ASSERT_TRUE(link->OnClientMessage(msg).ok());
  EXPECT_EQ(dev->microphone().buffered_frames(), 0u);  // not the controlling viewer
  link->SetMicrophoneAllowed(true);
  size_t before = dev->microphone().malformed();
  ASSERT_TRUE(link->OnClientMessage(msg).ok());
  EXPECT_EQ(dev->microphone().malformed(), before);
  EXPECT_FALSE(link->OnClientMessage(Bytes{0x21, 1}).ok());

  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  link.reset();
  size_t n;
  {
    std::lock_guard lock(mu);
    n = sent.size();
    ASSERT_GT(n, 5u);
    EXPECT_EQ(static_cast<uint8_t>(sent[0][0]), kWsAudioOpus);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::lock_guard lock(mu);
  EXPECT_EQ(sent.size(), n);  // nothing after the link is gone
}

}  // namespace
}  // namespace vmi::audio
