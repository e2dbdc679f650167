// Byte-exact tests of every message of the guest surface protocol. The byte
// strings are the ones drawn in README.md / docs/surface-protocol.md.
#include "devices/surface/protocol.h"

#include <gtest/gtest.h>

namespace vmi::surface {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(SurfaceProtocol, HelloBytes) {
  Bytes want = {0x01, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00,  // type 1, len 8
                'V',  'M',  'I',  'S',  0x01, 0x00, 0x00, 0x00};
  EXPECT_EQ(EncodeHello(Hello{1}), want);
  auto m = ParseGuestMessage(want, 0);
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  EXPECT_EQ(std::get<Hello>(*m).version, 1u);
}

TEST(SurfaceProtocol, AddBufferBytes) {
  Bytes want = {0x02, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00,  // type 2, len 20
                0x07, 0x00, 0x00, 0x00,                          // id 7
                0xd0, 0x02, 0x00, 0x00,                          // width 720
                0x00, 0x05, 0x00, 0x00,                          // height 1280
                0x40, 0x0b, 0x00, 0x00,                          // stride 2880
                0x01, 0x00, 0x00, 0x00};                         // XRGB8888
  EXPECT_EQ(EncodeAddBuffer({7, 720, 1280, 2880, kFormatXrgb8888}), want);
  auto m = ParseGuestMessage(want, 1);
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  auto a = std::get<AddBuffer>(*m);
  EXPECT_EQ(a.id, 7u);
  EXPECT_EQ(a.width, 720u);
  EXPECT_EQ(a.height, 1280u);
  EXPECT_EQ(a.stride, 2880u);
  EXPECT_FALSE(ParseGuestMessage(want, 0).ok()) << "add_buffer without its fd";
  EXPECT_FALSE(ParseGuestMessage(want, 2).ok()) << "add_buffer with two fds";
}

TEST(SurfaceProtocol, RemoveBufferBytes) {
  Bytes want = {0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00};
  EXPECT_EQ(EncodeRemoveBuffer({9}), want);
  auto m = ParseGuestMessage(want, 0);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(std::get<RemoveBuffer>(*m).id, 9u);
}

TEST(SurfaceProtocol, PresentBytes) {
  Bytes want = {0x04, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00,   // type 4, len 44
                0x01, 0x00, 0x00, 0x00,                           // buffer 1
                0x2a, 0x00, 0x00, 0x00,                           // serial 42
                0x02, 0x00, 0x00, 0x00,                           // 2 rects
                0x0a, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00,   // x 10, y 20
                0x1e, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00,   // w 30, h 40
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   // x 0, y 0
                0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};  // w 1, h 1
  Present p{1, 42, {{10, 20, 30, 40}, {0, 0, 1, 1}}};
  EXPECT_EQ(EncodePresent(p), want);
  auto m = ParseGuestMessage(want, 0);
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  auto got = std::get<Present>(*m);
  EXPECT_EQ(got.buffer_id, 1u);
  EXPECT_EQ(got.serial, 42u);
  EXPECT_EQ(got.damage, p.damage);
}

TEST(SurfaceProtocol, HostMessageBytes) {
  EXPECT_EQ(Encode(Welcome{1, 8, 64, 0x10000000}),
            (Bytes{0x01, 0x01, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
                   0x00, 0x08, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
                   0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00}));
  EXPECT_EQ(Encode(DisplayInfo{720, 1280, 1, 60000, 320, 90, 3}),
            (Bytes{0x02, 0x01, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00, 0xd0, 0x02, 0x00, 0x00,
                   0x00, 0x05, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x60, 0xea, 0x00, 0x00,
                   0x40, 0x01, 0x00, 0x00, 0x5a, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00}));
  EXPECT_EQ(Encode(FrameDone{42, kFrameDisplayed, 0x0102030405060708}),
            (Bytes{0x03, 0x01, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00,
                   0x01, 0x00, 0x00, 0x00, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01}));
  EXPECT_EQ(Encode(Release{7}),
            (Bytes{0x04, 0x01, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00}));
  EXPECT_EQ(Encode(ErrorMsg{WireError::kLimit, "too many"}),
            (Bytes{0x05, 0x01, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x04, 0x00,
                   0x00, 0x00, 't',  'o',  'o',  ' ',  'm',  'a',  'n',  'y'}));
  EXPECT_EQ(Encode(PointerMsg{-1, 5, 1, 2}),
            (Bytes{0x10, 0x01, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
                   0xff, 0x05, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                   0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}));
  EXPECT_EQ(Encode(KeyMsg{0xff0d, 1, 3}),
            (Bytes{0x11, 0x01, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x0d, 0xff, 0x00, 0x00,
                   0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}));
  EXPECT_EQ(Encode(TouchMsg{2, 1, 100, 200, 4}),
            (Bytes{0x12, 0x01, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00,
                   0x00, 0x01, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0xc8, 0x00,
                   0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}));
  EXPECT_EQ(Encode(TextMsg{5, "\xc3\xa9"}),
            (Bytes{0x13, 0x01, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00,
                   0x00, 0x00, 0x00, 0xc3, 0xa9}));
}

TEST(SurfaceProtocol, RejectsMalformedHeaders) {
  Bytes hello = EncodeHello(Hello{1});
  EXPECT_FALSE(ParseGuestMessage(Bytes{0x01, 0x00, 0x00}, 0).ok()) << "shorter than a header";
  Bytes flags = hello;
  flags[2] = 1;
  EXPECT_FALSE(ParseGuestMessage(flags, 0).ok()) << "reserved bits";
  Bytes len = hello;
  len[4] = 9;
  EXPECT_FALSE(ParseGuestMessage(len, 0).ok()) << "length disagrees with datagram";
  Bytes extra = hello;
  extra.push_back(0);
  extra[4] = 9;
  EXPECT_FALSE(ParseGuestMessage(extra, 0).ok()) << "hello with a trailing byte";
  EXPECT_FALSE(ParseGuestMessage(EncodeHello(Hello{1}, "XMIS"), 0).ok()) << "bad magic";
  EXPECT_FALSE(ParseGuestMessage(hello, 1).ok()) << "fd on a hello";
  Bytes big(kMaxMessageSize + 1, 0);
  EXPECT_FALSE(ParseGuestMessage(big, 0).ok());
  // A host message type sent by the guest.
  EXPECT_FALSE(ParseGuestMessage(Encode(Release{1}), 0).ok());
  Bytes unknown = {0x99, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  auto r = ParseGuestMessage(unknown, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().ToString().find("unknown message type 0x0099"), std::string::npos);
}

TEST(SurfaceProtocol, RejectsBadGeometry) {
  EXPECT_FALSE(ParseGuestMessage(EncodeAddBuffer({1, 0, 10, 40, 1}), 1).ok()) << "zero width";
  EXPECT_FALSE(ParseGuestMessage(EncodeAddBuffer({1, 8193, 10, 8193 * 4, 1}), 1).ok());
  EXPECT_FALSE(ParseGuestMessage(EncodeAddBuffer({1, 10, 10, 39, 1}), 1).ok()) << "stride short";
  EXPECT_FALSE(ParseGuestMessage(EncodeAddBuffer({1, 10, 10, 42, 1}), 1).ok()) << "stride % 4";
  EXPECT_FALSE(ParseGuestMessage(EncodeAddBuffer({1, 10, 10, 40, 2}), 1).ok()) << "format";
  EXPECT_FALSE(ParseGuestMessage(EncodePresent({1, 1, {{0, 0, 0, 5}}}), 0).ok()) << "empty rect";
  EXPECT_FALSE(ParseGuestMessage(EncodePresent({1, 1, {{-1, 0, 5, 5}}}), 0).ok()) << "negative x";
  EXPECT_FALSE(ParseGuestMessage(EncodePresent({1, 1, {{8000, 0, 500, 5}}}), 0).ok());
  Present many{1, 1, std::vector<display::Rect>(kMaxDamageRects + 1, {0, 0, 1, 1})};
  EXPECT_FALSE(ParseGuestMessage(EncodePresent(many), 0).ok()) << "too many rects";
  Bytes lying = EncodePresent({1, 1, {{0, 0, 1, 1}}});
  lying[16] = 2;  // claims two rects, carries one
  EXPECT_FALSE(ParseGuestMessage(lying, 0).ok());
}


}  // namespace
}  // namespace vmi::surface
