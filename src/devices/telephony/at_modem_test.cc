#include "devices/telephony/at_modem.h"

#include <gtest/gtest.h>

#include "devices/telephony/test_phone.h"

namespace vmi::telephony {
namespace {

using testing::TestModem;
using testing::TestNetwork;

class AtModemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(t.net->AddLine("a", "+15550100001").ok());
    ASSERT_TRUE(t.net->AddLine("b", "+15550100002").ok());
    a = std::make_unique<TestModem>("a", t.net.get());
    b = std::make_unique<TestModem>("b", t.net.get());
    a->Say("ATE0");
    b->Say("ATE0");
  }
  TestNetwork t;
  std::unique_ptr<TestModem> a, b;
};

TEST_F(AtModemTest, AnswersIdentityAndRegistrationAsModemManagerAsks) {
  EXPECT_EQ(a->Say("AT+CGMI"), "\r\nvmi\r\n\r\nOK\r\n");
  std::string imei = a->Say("AT+CGSN");
  EXPECT_EQ(imei.size(), std::string("\r\n350000000000011\r\n\r\nOK\r\n").size());
  EXPECT_EQ(a->Say("AT+CPIN?"), "\r\n+CPIN: READY\r\n\r\nOK\r\n");
  EXPECT_EQ(a->Say("AT+CREG=2;+CREG?"), "\r\n+CREG: 2,1,\"0001\",\"00000001\",0\r\n\r\nOK\r\n");
  EXPECT_EQ(a->Say("AT+COPS=3,0;+COPS?"), "\r\n+COPS: 0,0,\"vmi\",0\r\n\r\nOK\r\n");
  EXPECT_EQ(a->Say("AT+CNUM"), "\r\n+CNUM: \"\",\"+15550100001\",145\r\n\r\nOK\r\n");
  EXPECT_EQ(a->Say("AT+CSQ"), "\r\n+CSQ: 24,99\r\n\r\nOK\r\n");
  EXPECT_EQ(a->Say("AT+GCAP"), "\r\n+GCAP: +CGSM\r\n\r\nOK\r\n");
  // Echo is on until ATE0.
  TestModem c("a", t.net.get());
  EXPECT_EQ(c.Say("AT"), "AT\r\r\nOK\r\n");
}

TEST_F(AtModemTest, LineSettingsShowInTheAnswers) {
  LineSettings s;
  s.registration = Registration::kRoaming;
  s.signal = 5;
  s.operator_name = "Elsewhere";
  ASSERT_TRUE(t.net->SetSettings("a", s).ok());
  EXPECT_EQ(a->Say("AT+CREG?"), "\r\n+CREG: 0,5\r\n\r\nOK\r\n");
  EXPECT_EQ(a->Say("AT+CSQ"), "\r\n+CSQ: 5,99\r\n\r\nOK\r\n");
  EXPECT_EQ(a->Say("AT+COPS?"), "\r\n+COPS: 0,0,\"Elsewhere\",0\r\n\r\nOK\r\n");
  s.registration = Registration::kNone;
  ASSERT_TRUE(t.net->SetSettings("a", s).ok());
  EXPECT_EQ(a->Say("AT+CREG?"), "\r\n+CREG: 0,0\r\n\r\nOK\r\n");
  EXPECT_EQ(a->Say("AT+CSQ"), "\r\n+CSQ: 99,99\r\n\r\nOK\r\n");
  EXPECT_EQ(a->Say("AT+CMEE=1;D+15550100002;"), "\r\n+CME ERROR: 30\r\n");
}

TEST_F(AtModemTest, CallFromAToBRingsAnswersAndHangsUp) {
  b->Say("AT+CLIP=1");
  EXPECT_EQ(a->Say("ATD+15550100002;"), "\r\nOK\r\n");
  EXPECT_EQ(b->Take(), "\r\nRING\r\n\r\n+CLIP: \"+15550100001\",145,,,,0\r\n");
  EXPECT_EQ(a->Say("AT+CLCC"), "\r\n+CLCC: 1,0,3,0,0,\"+15550100002\",145\r\n\r\nOK\r\n");
  EXPECT_EQ(b->Say("AT+CLCC"), "\r\n+CLCC: 1,1,4,0,0,\"+15550100001\",145\r\n\r\nOK\r\n");
  b->modem.Tick();
  EXPECT_EQ(b->Take(), "\r\nRING\r\n\r\n+CLIP: \"+15550100001\",145,,,,0\r\n");
  EXPECT_EQ(b->Say("ATA"), "\r\nOK\r\n");
  EXPECT_EQ(a->Say("AT+CLCC"), "\r\n+CLCC: 1,0,0,0,0,\"+15550100002\",145\r\n\r\nOK\r\n");
  EXPECT_EQ(b->Say("AT+CLCC"), "\r\n+CLCC: 1,1,0,0,0,\"+15550100001\",145\r\n\r\nOK\r\n");
  EXPECT_EQ(b->Say("ATH"), "\r\nOK\r\n");
  EXPECT_EQ(a->Take(), "\r\nNO CARRIER\r\n");
  EXPECT_EQ(a->Say("AT+CLCC"), "\r\nOK\r\n");
  EXPECT_EQ(a->Say("AT+CEER"), "\r\n+CEER: normal call clearing\r\n\r\nOK\r\n");
}

TEST_F(AtModemTest, UnknownNumberIsReleasedAtOnceAsUnassigned) {
  EXPECT_EQ(a->Say("ATD+4930123456;"), "\r\nNO CARRIER\r\n");
  EXPECT_EQ(a->Say("AT+CEER"), "\r\n+CEER: cause 1: unassigned number\r\n\r\nOK\r\n");
  EXPECT_EQ(a->Say("AT+CLCC"), "\r\nOK\r\n");
  EXPECT_EQ(a->Say("ATD+15550100001;"), "\r\nBUSY\r\n");  // own number
  EXPECT_EQ(a->Say("ATD+15550100002"), "\r\nNO CARRIER\r\n");  // data call
}

TEST_F(AtModemTest, SmsInPduModeReachesTheOtherLine) {
  b->Say("AT+CMGF=0;+CNMI=2,1,0,0,0");
  a->Say("AT+CMEE=1");
  SmsSubmit s{0, "+15550100002", false, {Coding::kUcs2, "Привет, мир", {}, std::nullopt}};
  Bytes pdu = EncodeSubmit(s);
  EXPECT_EQ(a->Say("AT+CMGS=" + std::to_string(pdu.size() - 1)), "\r\n> ");
  a->out.clear();
  a->modem.Feed(ToHex(pdu) + "\x1a");
  EXPECT_EQ(a->Take(), "\r\n+CMGS: 1\r\n\r\nOK\r\n");
  EXPECT_EQ(b->Take(), "\r\n+CMTI: \"SM\",1\r\n");
  std::string r = b->Say("AT+CMGR=1");
  ASSERT_EQ(r.rfind("\r\n+CMGR: 0,,", 0), 0u) << r;
  size_t pdu_at = r.find("\r\n", 2) + 2;
  std::string hex = r.substr(pdu_at, r.find("\r\n", pdu_at) - pdu_at);
  auto d = DecodeDeliver(*FromHex(hex));
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(d->originator, "+15550100001");
  EXPECT_EQ(d->ud.text, "Привет, мир");
  EXPECT_EQ(b->Say("AT+CMGL=0"), "\r\nOK\r\n");  // now read
  EXPECT_NE(b->Say("AT+CMGL=4").find("+CMGL: 1,1,,"), std::string::npos);
  EXPECT_EQ(b->Say("AT+CMGD=1"), "\r\nOK\r\n");
  EXPECT_EQ(b->Say("AT+CMGL=4"), "\r\nOK\r\n");
  EXPECT_EQ(b->Say("AT+CMEE=1;+CMGR=1"), "\r\n+CMS ERROR: 321\r\n");
}

TEST_F(AtModemTest, SmsToAnUnknownNumberGetsAFailureReport) {
  a->Say("AT+CMEE=1");
  Bytes pdu = EncodeSubmit({0, "+4930123456", false, {Coding::kGsm7, "hi", {}, std::nullopt}});
  a->Say("AT+CMGS=" + std::to_string(pdu.size() - 1));
  a->out.clear();
  a->modem.Feed(ToHex(pdu) + "\x1a");
  EXPECT_EQ(a->Take(), "\r\n+CMS ERROR: 1\r\n");
}

TEST_F(AtModemTest, BadInputGetsErrorsAndTheModemKeepsWorking) {
  a->Say("AT+CMEE=1");
  EXPECT_EQ(a->Say("garbage"), "\r\nERROR\r\n");
  EXPECT_EQ(a->Say(std::string("\x00\xff\x01", 3)), "\r\nERROR\r\n");
  EXPECT_EQ(a->Say("AT" + std::string(5000, 'E')), "\r\nERROR\r\n");
  EXPECT_EQ(a->Say("AT+NOSUCH"), "\r\nERROR\r\n");
  EXPECT_EQ(a->Say("AT+CMGS=3"), "\r\n+CMS ERROR: 304\r\n");
  a->Say("AT+CMGS=20");
  a->out.clear();
  a->modem.Feed("ZZZZ\x1a");
  EXPECT_EQ(a->Take(), "\r\n+CMS ERROR: 304\r\n");
  a->Say("AT+CMGS=20");
  a->out.clear();
  a->modem.Feed("00" + std::string(4000, '1') + "\x1a");
  EXPECT_EQ(a->Take(), "\r\n+CMS ERROR: 304\r\n");
  EXPECT_EQ(a->Say("AT"), "\r\nOK\r\n");
}

TEST_F(AtModemTest, AFloodOfCallsIsRateLimitedForThatLineOnly) {
  a->Say("AT+CMEE=1");
  int limited = 0;
  for (int i = 0; i < 20; ++i)
    if (a->Say("ATD+4930123456;").find("+CME ERROR: 100") != std::string::npos) ++limited;
  EXPECT_GE(limited, 10);
  EXPECT_EQ(b->Say("ATD+15550100001;"), "\r\nOK\r\n");
}

}  // namespace
}  // namespace vmi::telephony
