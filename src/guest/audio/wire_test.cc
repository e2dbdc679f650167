// Byte-exact tests of the audio control messages (layout in docs/audio.md).
#include "guest/audio/wire.h"

#include <gtest/gtest.h>

namespace vmi::audio {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(AudioWire, HelloBytes) {
  Bytes b = EncodeHello(0x01020304, {Direction::kCapture, 0x00001234, "aplay"});
  Bytes want(48, 0);
  Bytes head = {0x01, 0x01, 0x00, 0x00, 0x04, 0x03, 0x02, 0x01,  // type ver rsvd seq
                0x01, 0x00, 0x00, 0x00, 0x34, 0x12, 0x00, 0x00,  // dir rsvd pid
                'a',  'p',  'l',  'a',  'y'};
  std::copy(head.begin(), head.end(), want.begin());
  EXPECT_EQ(b, want);
  auto m = ParseMessage(b);
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  EXPECT_EQ(m->type, MsgType::kHello);
  EXPECT_EQ(m->seq, 0x01020304u);
  EXPECT_EQ(m->hello.direction, Direction::kCapture);
  EXPECT_EQ(m->hello.pid, 0x1234u);
  EXPECT_EQ(m->hello.name, "aplay");
}

TEST(AudioWire, FormatBytes) {
  Bytes b = EncodeFormat(7, {SampleFormat::kS16LE, 2, 44100, 22050, 5512});
  Bytes want = {0x02, 0x01, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00,   //
                0x02, 0x02, 0x00, 0x00, 0x44, 0xac, 0x00, 0x00,   // S16_LE, 2 ch, 44100
                0x22, 0x56, 0x00, 0x00, 0x88, 0x15, 0x00, 0x00};  // 22050, 5512
  EXPECT_EQ(b, want);
  auto m = ParseMessage(b);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->format.rate, 44100u);
  EXPECT_EQ(m->format.buffer_frames, 22050u);
  EXPECT_EQ(m->format.period_frames, 5512u);
  EXPECT_TRUE(ValidateFormat(m->format).ok());
}

TEST(AudioWire, SimpleAndPauseBytes) {
  EXPECT_EQ(EncodeSimple(1, MsgType::kStart), (Bytes{0x04, 0x01, 0, 0, 0x01, 0, 0, 0}));
  EXPECT_EQ(EncodeSimple(2, MsgType::kDrain), (Bytes{0x07, 0x01, 0, 0, 0x02, 0, 0, 0}));
  EXPECT_EQ(EncodePause(3, true), (Bytes{0x06, 0x01, 0, 0, 0x03, 0, 0, 0, 0x01, 0, 0, 0}));
  auto m = ParseMessage(EncodePause(3, false));
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->pause);
}

TEST(AudioWire, ReplyBytes) {
  Bytes b = EncodeReply(9, {MsgType::kFormat, -22, 0x10100, "audio-1.ring"});
  ASSERT_EQ(b.size(), 84u);
  Bytes head = {0x80, 0x01, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00,  //
                0x02, 0x00, 0x00, 0x00, 0xea, 0xff, 0xff, 0xff,  // FORMAT, -22 (EINVAL)
                0x00, 0x01, 0x01, 0x00, 'a',  'u',  'd',  'i'};
  EXPECT_EQ(Bytes(b.begin(), b.begin() + 24), head);
  EXPECT_EQ(b[20 + 12], 0);
  auto m = ParseMessage(b);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->reply.status, -22);
  EXPECT_EQ(m->reply.ring_bytes, 0x10100u);
  EXPECT_EQ(m->reply.ring_name, "audio-1.ring");
}

TEST(AudioWire, RejectsMalformed) {
  EXPECT_FALSE(ParseMessage(Bytes{0x04, 0x01, 0, 0}).ok());                 // short
  EXPECT_FALSE(ParseMessage(Bytes{0x04, 0x02, 0, 0, 1, 0, 0, 0}).ok());     // version
  EXPECT_FALSE(ParseMessage(Bytes{0x04, 0x01, 1, 0, 1, 0, 0, 0}).ok());     // reserved
  EXPECT_FALSE(ParseMessage(Bytes{0x04, 0x01, 0, 0, 1, 0, 0, 0, 0}).ok());  // long
  EXPECT_FALSE(ParseMessage(Bytes{0x42, 0x01, 0, 0, 1, 0, 0, 0}).ok());     // type
  Bytes f = EncodeFormat(1, {SampleFormat::kS16LE, 2, 48000, 4800, 480});
  f[8] = 99;  // format
  EXPECT_FALSE(ParseMessage(f).ok());
  Bytes h = EncodeHello(1, {Direction::kPlayback, 1, "x"});
  h[17] = 0;
  h[18] = 'y';  // text after the NUL
  EXPECT_FALSE(ParseMessage(h).ok());
  h = EncodeHello(1, {Direction::kPlayback, 1, "x"});
  h[16] = 0x07;  // control character
  EXPECT_FALSE(ParseMessage(h).ok());
  Bytes r = EncodeReply(1, {MsgType::kFormat, 0, 300, "../etc/passwd"});
  EXPECT_FALSE(ParseMessage(r).ok());  // '/' is not allowed in a ring name
  r = EncodeReply(1, {MsgType::kFormat, 0, 300, ".hidden"});
  EXPECT_FALSE(ParseMessage(r).ok());
}

TEST(AudioWire, ValidateFormatLimits) {
  Format ok{SampleFormat::kS16LE, 2, 48000, 4800, 480};
  EXPECT_TRUE(ValidateFormat(ok).ok());
  Format f = ok;
  f.channels = 0;
  EXPECT_FALSE(ValidateFormat(f).ok());
  f = ok;
  f.channels = 9;
  EXPECT_FALSE(ValidateFormat(f).ok());
  f = ok;
  f.rate = 1000;
  EXPECT_FALSE(ValidateFormat(f).ok());
  f = ok;
  f.buffer_frames = 1 << 20;  // 4 MiB of S16 stereo
  EXPECT_FALSE(ValidateFormat(f).ok());
  f = ok;
  f.period_frames = 0;
  EXPECT_FALSE(ValidateFormat(f).ok());
}

}  // namespace
}  // namespace vmi::audio
