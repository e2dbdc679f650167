#include "devices/telephony/network.h"

#include <gtest/gtest.h>

#include "base/temp_dir.h"
#include "devices/telephony/test_phone.h"

namespace vmi::telephony {
namespace {

using testing::TestModem;
using testing::TestNetwork;

TEST(Network, NumbersAreUniqueAndNormalized) {
  TestNetwork t;
  ASSERT_TRUE(t.net->AddLine("a", "+1 555 010-0001").ok());
  EXPECT_EQ(t.net->NumberOf("a"), "+15550100001");
  EXPECT_EQ(t.net->AddLine("b", "+15550100001").error().code(), ErrorCode::kAlreadyExists);
  EXPECT_FALSE(t.net->AddLine("b", "5550100").ok());  // not E.164
  EXPECT_FALSE(t.net->AddLine("b", "+1555x").ok());
  EXPECT_EQ(Network::Normalize("0049 30 1234"), "+49301234");
  EXPECT_EQ(Network::Normalize("+"), "");
}

TEST(Network, AnInstanceActsOnlyOnItsOwnCalls) {
  TestNetwork t;
  ASSERT_TRUE(t.net->AddLine("a", "+15550100001").ok());
  ASSERT_TRUE(t.net->AddLine("b", "+15550100002").ok());
  ASSERT_TRUE(t.net->AddLine("c", "+15550100003").ok());
  TestModem a("a", t.net.get()), b("b", t.net.get()), c("c", t.net.get());
  auto id = t.net->Dial("a", "+15550100002");
  ASSERT_TRUE(id.ok());
  EXPECT_FALSE(t.net->Answer("c").ok());
  EXPECT_FALSE(t.net->Hangup("c", *id).ok());
  EXPECT_EQ(t.net->Calls("c").size(), 0u);
  EXPECT_FALSE(t.net->Answer("a").ok());  // the caller cannot answer its own call
  EXPECT_TRUE(t.net->Answer("b").ok());
  EXPECT_EQ(t.net->PeerInstance(*id, "a"), "b");
  EXPECT_EQ(t.net->Dial("c", "+15550100002").error().message(), "cause 17: user busy");
}

TEST(Network, CallsToAnAbsentLineFailAndDetachEndsCalls) {
  TestNetwork t;
  ASSERT_TRUE(t.net->AddLine("a", "+15550100001").ok());
  ASSERT_TRUE(t.net->AddLine("b", "+15550100002").ok());
  TestModem a("a", t.net.get());
  EXPECT_EQ(t.net->Dial("a", "+15550100002").error().message(), "cause 20: subscriber absent");
  {
    TestModem b("b", t.net.get());
    ASSERT_TRUE(t.net->Dial("a", "+15550100002").ok());
    ASSERT_TRUE(t.net->Answer("b").ok());
    a.Take();
  }
  EXPECT_EQ(a.Take(), "\r\nNO CARRIER\r\n");
  EXPECT_TRUE(t.net->Calls("a").empty());
}

TEST(Network, DialInFromOutsideRingsAndTheApiCanHangUp) {
  TestNetwork t;
  ASSERT_TRUE(t.net->AddLine("a", "+15550100001").ok());
  TestModem a("a", t.net.get());
  auto id = t.net->DialIn("+4930123456", "a");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(a.Take(), "\r\nRING\r\n");
  ASSERT_EQ(t.net->Calls("a").size(), 1u);
  EXPECT_EQ(t.net->Calls("a")[0].peer, "+4930123456");
  EXPECT_TRUE(t.net->Hangup("a", *id).ok());
  EXPECT_TRUE(t.net->Calls("a").empty());
  EXPECT_NE(std::find(t.events.begin(), t.events.end(), "a phone.call.ended"), t.events.end());
}

TEST(Network, AcceptedSmsSurviveARestartAndConcatenatedPartsJoin) {
  TempDir dir = *TempDir::Create("vmi-net");
  std::string path = dir.path() + "/sms.jsonl";
  std::string text;
  for (int i = 0; i < 30; ++i) text += "日本語のテキスト。";
  {
    TestNetwork t(path);
    ASSERT_TRUE(t.net->AddLine("a", "+15550100001").ok());
    ASSERT_TRUE(t.net->DeliverSms("+4930123456", "a", text).ok());
    ASSERT_TRUE(t.net->DeliverSms("+4930123456", "a", "second").ok());
    ASSERT_TRUE(t.net->DeleteStored("a", 6).ok());
  }
  TestNetwork t(path);
  ASSERT_TRUE(t.net->AddLine("a", "+15550100001").ok());
  auto stored = t.net->Stored("a");
  ASSERT_EQ(stored.size(), 5u);  // 270 characters: 5 UCS-2 parts; "second" was deleted
  auto list = t.net->MessagesJson("a");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["text"], text);
  EXPECT_EQ(list[0]["parts"], 5);
  EXPECT_EQ(list[0]["complete"], true);
  EXPECT_EQ(list[1]["text"], "second");
  // New messages take new ids and free slots after a restart.
  ASSERT_TRUE(t.net->DeliverSms("+4930123456", "a", "third").ok());
  EXPECT_EQ(t.net->Stored("a").back()->index, 6);
}

TEST(Network, TornJournalLineIsIgnored) {
  TempDir dir = *TempDir::Create("vmi-net");
  std::string path = dir.path() + "/sms.jsonl";
  {
    TestNetwork t(path);
    ASSERT_TRUE(t.net->AddLine("a", "+15550100001").ok());
    ASSERT_TRUE(t.net->DeliverSms("+4930123456", "a", "kept").ok());
  }
  FILE* f = fopen(path.c_str(), "a");
  fputs("{\"op\":\"msg\",\"id\":9,\"ins", f);
  fclose(f);
  TestNetwork t(path);
  ASSERT_TRUE(t.net->AddLine("a", "+15550100001").ok());
  ASSERT_EQ(t.net->MessagesJson("a").size(), 1u);
}

TEST(Network, SettingsAreValidated) {
  TestNetwork t;
  ASSERT_TRUE(t.net->AddLine("a", "+15550100001").ok());
  LineSettings s;
  s.signal = 40;
  EXPECT_FALSE(t.net->SetSettings("a", s).ok());
  s.signal = 10;
  s.operator_name = "";
  EXPECT_FALSE(t.net->SetSettings("a", s).ok());
  EXPECT_FALSE(t.net->SetSettings("zz", LineSettings{}).ok());
  EXPECT_EQ(RegistrationFromName("roaming"), Registration::kRoaming);
  EXPECT_FALSE(RegistrationFromName("bogus"));
}

}  // namespace
}  // namespace vmi::telephony
