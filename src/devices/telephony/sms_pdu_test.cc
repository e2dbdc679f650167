#include "devices/telephony/sms_pdu.h"

#include <gtest/gtest.h>

#include "devices/telephony/gsm7.h"

namespace vmi::telephony {
namespace {

Bytes Hex(std::string_view h) { return *FromHex(h); }

TEST(SmsPdu, DecodesAKnownSubmit) {
  // "hellohello" to +46708251358, relative validity period: the classic
  // worked example of 27.005 PDU mode.
  auto s = DecodeSubmit(Hex("0011000B916407281553F80000AA0AE8329BFD4697D9EC37"));
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_EQ(s->destination, "+46708251358");
  EXPECT_EQ(s->ud.coding, Coding::kGsm7);
  EXPECT_EQ(s->ud.text, "hellohello");
  EXPECT_FALSE(s->ud.concat);
}

TEST(SmsPdu, EncodesSubmitByteExact) {
  SmsSubmit s{0, "+46708251358", false, {Coding::kGsm7, "hellohello", {}, std::nullopt}};
  EXPECT_EQ(ToHex(EncodeSubmit(s)), "0001000B916407281553F800000AE8329BFD4697D9EC37");
}

TEST(SmsPdu, DecodesAKnownDeliver) {
  auto d = DecodeDeliver(Hex("07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07"));
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(d->originator, "+31641600986");
  EXPECT_EQ(d->ud.text, "How are you?");
}

TEST(SmsPdu, DeliverRoundTripsUcs2WithTimestamp) {
  SmsDeliver d{"+15550100001", 1765000000, {Coding::kUcs2, "你好，世界 😀", {}, std::nullopt}};
  size_t tpdu_len = 0;
  Bytes pdu = EncodeDeliver(d, &tpdu_len);
  EXPECT_EQ(tpdu_len, pdu.size() - 1);
  EXPECT_EQ(pdu[0], 0x00);  // no SMSC
  auto back = DecodeDeliver(pdu);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->originator, "+15550100001");
  EXPECT_EQ(back->timestamp, 1765000000);
  EXPECT_EQ(back->ud.coding, Coding::kUcs2);
  EXPECT_EQ(back->ud.text, "你好，世界 😀");
}

TEST(SmsPdu, SplitsLongNonLatinTextIntoConcatenatedUcs2Parts) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += (i % 10 == 9) ? " " : "ж";
  auto parts = SplitText(text, 0x1234);
  ASSERT_EQ(parts.size(), 5u);  // 66 UCS-2 units per part with a 16-bit reference
  std::string joined;
  for (size_t i = 0; i < parts.size(); ++i) {
    SmsSubmit s{static_cast<uint8_t>(i), "+15550100002", false, parts[i]};
    Bytes pdu = EncodeSubmit(s);
    ASSERT_LE(pdu.size() - 1, 176u);
    auto back = DecodeSubmit(pdu);
    ASSERT_TRUE(back.ok()) << back.error().ToString();
    ASSERT_TRUE(back->ud.concat);
    EXPECT_EQ(back->ud.concat->ref, 0x1234);
    EXPECT_EQ(back->ud.concat->total, 5);
    EXPECT_EQ(back->ud.concat->seq, i + 1);
    joined += back->ud.text;
  }
  EXPECT_EQ(joined, text);
}

TEST(SmsPdu, SplitsGsmTextWithFillBitsAndExtensionCharacters) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += (i % 50 == 0) ? "€" : "a";
  auto parts = SplitText(text, 9);
  ASSERT_EQ(parts.size(), 2u);
  std::string joined;
  for (auto& p : parts) {
    EXPECT_EQ(p.coding, Coding::kGsm7);
    auto back = DecodeSubmit(EncodeSubmit({1, "5550100", false, p}));
    ASSERT_TRUE(back.ok()) << back.error().ToString();
    EXPECT_EQ(back->destination, "5550100");
    joined += back->ud.text;
  }
  EXPECT_EQ(joined, text);
  EXPECT_EQ(SplitText("short", 1).size(), 1u);
  EXPECT_EQ(SplitText(std::string(160, 'x'), 1).size(), 1u);
  EXPECT_EQ(SplitText(std::string(161, 'x'), 1).size(), 2u);
  EXPECT_EQ(SplitText(std::string(306, 'x'), 1).size(), 2u);
}

TEST(SmsPdu, SeptetPackingMatchesTheSpecExample) {
  // TS 23.038 example: "hellohello" packs into E8329BFD4697D9EC37.
  auto septets = Gsm7FromUtf8("hellohello");
  ASSERT_TRUE(septets.ok());
  EXPECT_EQ(ToHex(PackSeptets(*septets, 0)), "E8329BFD4697D9EC37");
  EXPECT_FALSE(Gsm7FromUtf8("ж").ok());
  EXPECT_EQ(Gsm7ToUtf8({0x1B, 0x65, 0x00, 0x1B}), "€@ ");
}

TEST(SmsPdu, RefusesEveryTruncationAndBadFields) {
  Bytes good = Hex("0011000B916407281553F80000AA0AE8329BFD4697D9EC37");
  for (size_t n = 0; n < good.size(); ++n) {
    Bytes cut(good.begin(), good.begin() + n);
    EXPECT_FALSE(DecodeSubmit(cut).ok()) << n;
  }
  Bytes deliver = good;
  deliver[1] = 0x00;  // MTI of a DELIVER
  EXPECT_FALSE(DecodeSubmit(deliver).ok());
  Bytes long_udl = good;
  long_udl.back() = 0x37;
  long_udl[long_udl.size() - 10] = 0xFF;  // TP-UDL 255 septets
  EXPECT_FALSE(DecodeSubmit(long_udl).ok());
  EXPECT_FALSE(DecodeSubmit(Hex("00010014FF")).ok());  // 20-digit address cut short
  EXPECT_FALSE(FromHex("0G").ok());
  EXPECT_FALSE(FromHex("000").ok());
}

}  // namespace
}  // namespace vmi::telephony
