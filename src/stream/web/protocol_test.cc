#include "stream/web/protocol.h"

#include <gtest/gtest.h>

#include <vector>

namespace vmi::web {
namespace {

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int v : b) s.push_back(static_cast<char>(v));
  return s;
}
std::span<const uint8_t> Span(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// --- server -> client: byte for byte as drawn in README.md ---

TEST(ProtocolTest, ConfigBytes) {
  EXPECT_EQ(EncodeConfig(WireCodec::kH264, 720, 1280, "avc1.42C01F"),
            Bytes({0x01, 0x00, 0xd0, 0x02, 0x00, 0x05, 0x0b, 0x00}) + "avc1.42C01F");
  EXPECT_EQ(EncodeConfig(WireCodec::kJpeg, 1280, 720, "jpeg"),
            Bytes({0x01, 0x01, 0x00, 0x05, 0xd0, 0x02, 0x04, 0x00}) + "jpeg");
}

TEST(ProtocolTest, VideoHeaderBytes) {
  EXPECT_EQ(EncodeVideoHeader(true, 0x0102030405060708ull),
            Bytes({0x02, 0x01, 0x00, 0x00, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01}));
  EXPECT_EQ(EncodeVideoHeader(false, 1),
            Bytes({0x02, 0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(ProtocolTest, JpegHeaderBytes) {
  EXPECT_EQ(EncodeJpegHeader(false, 16, 32, 300, 0x102, 0xff),
            Bytes({0x03, 0x00, 0x10, 0x00, 0x20, 0x00, 0x2c, 0x01, 0x02, 0x01, 0x00, 0x00,
                   0xff, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(ProtocolTest, RegionsBytes) {
  EXPECT_EQ(EncodeRegionsHeader(2, 0x0102030405060708ull),
            Bytes({0x06, 0x02, 0x00, 0x00, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01}));
  EXPECT_EQ(EncodeRegionPartHeader({.id = 0x0201, .x = 16, .y = 0x120, .w = 176, .h = 32,
                                    .keyframe = true, .size = 0x01020304}),
            Bytes({0x01, 0x02, 0x10, 0x00, 0x20, 0x01, 0xb0, 0x00, 0x20, 0x00, 0x01, 0x00,
                   0x04, 0x03, 0x02, 0x01}));
}

TEST(ProtocolTest, ControlStateBytes) {
  EXPECT_EQ(EncodeControlState(ControlStateKind::kOther, 3, 7, 0x01020304),
            Bytes({0x04, 0x02, 0x03, 0x00, 0x07, 0, 0, 0, 0x04, 0x03, 0x02, 0x01}));
}

TEST(ProtocolTest, ErrorBytes) {
  EXPECT_EQ(EncodeError(1008, "bad"), Bytes({0x05, 0x00, 0xf0, 0x03}) + "bad");
}

// --- client -> server ---

TEST(ProtocolTest, ParsesEveryClientMessage) {
  auto hello = ParseClientMessage(Span(Bytes({0x10, 0x01, 0x03, 0x00})));
  ASSERT_TRUE(hello.ok());
  EXPECT_EQ(std::get<HelloMsg>(*hello).codecs, 3);

  auto ptr = ParseClientMessage(Span(Bytes({0x11, 0x05, 0xd0, 0x02, 0x00, 0x05})));
  ASSERT_TRUE(ptr.ok());
  EXPECT_EQ(std::get<PointerMsg>(*ptr).buttons, 5);
  EXPECT_EQ(std::get<PointerMsg>(*ptr).x, 720);
  EXPECT_EQ(std::get<PointerMsg>(*ptr).y, 1280);

  auto key = ParseClientMessage(Span(Bytes({0x12, 0x01, 0x00, 0x00, 0xac, 0x20, 0x00, 0x01})));
  ASSERT_TRUE(key.ok()) << key.error().message();
  EXPECT_TRUE(std::get<KeyMsg>(*key).down);
  EXPECT_EQ(std::get<KeyMsg>(*key).keysym, 0x010020acu);  // U+20AC EURO SIGN

  std::string euro = "\xe2\x82\xac";  // "€"
  auto text = ParseClientMessage(Span(Bytes({0x13, 0x00, 0x04, 0x00}) + "a" + euro));
  ASSERT_TRUE(text.ok()) << text.error().message();
  EXPECT_EQ(std::get<TextMsg>(*text).utf8, "a" + euro);

  auto touch = ParseClientMessage(Span(Bytes({0x14, 0x01, 0x09, 0x00, 0x0a, 0x00, 0x14, 0x00})));
  ASSERT_TRUE(touch.ok());
  EXPECT_EQ(std::get<TouchMsg>(*touch).action, 1);
  EXPECT_EQ(std::get<TouchMsg>(*touch).finger, 9);
  EXPECT_EQ(std::get<TouchMsg>(*touch).x, 10);
  EXPECT_EQ(std::get<TouchMsg>(*touch).y, 20);

  auto cmd = ParseClientMessage(Span(Bytes({0x15, 0x01})));
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(std::get<CommandMsg>(*cmd).command, Command::kRotate);
  auto ctl = ParseClientMessage(Span(Bytes({0x16, 0x02})));
  ASSERT_TRUE(ctl.ok());
  EXPECT_EQ(std::get<ControlMsg>(*ctl).op, ControlOp::kRelease);
  EXPECT_TRUE(std::holds_alternative<KeyframeRequestMsg>(*ParseClientMessage(Span(Bytes({0x17})))));
  auto pv = ParseClientMessage(Span(Bytes({0x19, 0x01})));
  ASSERT_TRUE(pv.ok());
  EXPECT_TRUE(std::get<PreviewMsg>(*pv).on);
  auto hr = ParseClientMessage(Span(Bytes({0x10, 0x01, 0x0b, 0x00})));
  ASSERT_TRUE(hr.ok()) << hr.error().ToString();
  EXPECT_EQ(std::get<HelloMsg>(*hr).codecs, kCodecMaskH264 | kCodecMaskJpeg | kCodecMaskRegions);
  auto hp = ParseClientMessage(Span(Bytes({0x10, 0x01, 0x05, 0x00})));
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(std::get<HelloMsg>(*hp).codecs, 5);
  auto ack = ParseClientMessage(
      Span(Bytes({0x18, 0, 0, 0, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01})));
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(std::get<FrameAckMsg>(*ack).timestamp_us, 0x0102030405060708u);
  auto audio = ParseClientMessage(Span(Bytes({0x21, 1, 2, 3})));
  ASSERT_TRUE(audio.ok());
  EXPECT_EQ(std::get<AudioMsg>(*audio).data.size(), 4u);
}

TEST(ProtocolTest, RejectsMalformedClientMessages) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "empty message"},
      {Bytes({0x09}), "unknown message type 9"},
      {Bytes({0x30}), "unknown message type 48"},
      {Bytes({0x10, 0x02, 0x01, 0x00}), "unsupported protocol version 2"},
      {Bytes({0x10, 0x01, 0x00, 0x00}), "hello: bad codec mask"},
      {Bytes({0x10, 0x01, 0x04, 0x00}), "hello: preview needs H.264"},
      {Bytes({0x11, 0x00, 0x00, 0x00, 0x00}), "pointer: expected 6 bytes, got 5"},
      {Bytes({0x11, 0x20, 0, 0, 0, 0}), "pointer: unknown button bits"},
      {Bytes({0x12, 0x02, 0, 0, 0x61, 0, 0, 0}), "key: down must be 0 or 1"},
      {Bytes({0x12, 0x01, 0, 0, 0x00, 0, 0, 0}), "key: unknown keysym 0"},
      {Bytes({0x12, 0x01, 0, 0, 0xff, 0xff, 0xff, 0xff}), "key: unknown keysym 4294967295"},
      {Bytes({0x12, 0x01, 1, 0, 0x61, 0, 0, 0}), "key: reserved bytes not zero"},
      {Bytes({0x13, 0x00, 0x00, 0x00}), "text: length out of range"},
      {Bytes({0x13, 0x00, 0x02, 0x00, 0x61}), "text: expected 6 bytes, got 5"},
      {Bytes({0x13, 0x00, 0x01, 0x00, 0x80}), "text: invalid UTF-8"},
      {Bytes({0x13, 0x00, 0x02, 0x00, 0xc0, 0xaf}), "text: invalid UTF-8"},  // overlong
      {Bytes({0x13, 0x00, 0x03, 0x00, 0xed, 0xa0, 0x80}), "text: invalid UTF-8"},  // surrogate
      {Bytes({0x13, 0x00, 0x01, 0x00, 0x00}), "text: invalid UTF-8"},  // NUL
      {Bytes({0x13, 0x00, 0x01, 0x10}), "text: length out of range"},  // 4097
      {Bytes({0x14, 0x04, 0, 0, 0, 0, 0, 0}), "touch: unknown action"},
      {Bytes({0x14, 0x00, 10, 0, 0, 0, 0, 0}), "touch: finger id out of range"},
      {Bytes({0x15, 0x04}), "command: unknown command"},
      {Bytes({0x15, 0x00}), "command: unknown command"},
      {Bytes({0x16, 0x03}), "control: unknown operation"},
      {Bytes({0x17, 0x00}), "keyframe request: expected 1 bytes, got 2"},
      {Bytes({0x18, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7}), "frame ack: expected 12 bytes, got 11"},
      {Bytes({0x19, 0x02}), "preview: must be 0 or 1"},
      {Bytes({0x19}), "preview: expected 2 bytes, got 1"},
      {Bytes({0x10, 0x01, 0x06, 0x00}), "hello: preview needs H.264"},
      {Bytes({0x10, 0x01, 0x10, 0x00}), "hello: bad codec mask"},
      {Bytes({0x10, 0x01, 0x0a, 0x00}), "hello: regions need H.264"},
      {Bytes({0x18, 0, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8}), "frame ack: reserved bytes not zero"},
      {std::string(8193, '\x11'), "message too large"},
      {"\x20" + std::string(65536, 'a'), "audio message too large"},
  };
  for (const auto& [msg, why] : bad) {
    auto r = ParseClientMessage(Span(msg));
    ASSERT_FALSE(r.ok()) << why;
    EXPECT_EQ(r.error().message(), why);
    EXPECT_LE(r.error().message().size(), 123u);
  }
}

TEST(ProtocolTest, Utf8AndKeysyms) {
  EXPECT_TRUE(IsValidUtf8("h\xc3\xa9llo \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xe4\xb8"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_TRUE(IsValidKeysym(0xff0d));      // Return
  EXPECT_TRUE(IsValidKeysym(0x1008ff26));  // XF86Back
  EXPECT_FALSE(IsValidKeysym(0x1f));
  EXPECT_FALSE(IsValidKeysym(0x00ffffff));
}

}  // namespace
}  // namespace vmi::web
