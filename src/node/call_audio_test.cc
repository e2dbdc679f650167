#include "node/call_audio.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace vmi::node {
namespace {

using Json = nlohmann::json;

Json Event(const std::string& type, const std::string& peer) {
  return {{"type", type}, {"call", {{"id", 1}, {"peer", peer}}}};
}

struct Fixture {
  std::map<std::string, std::string> numbers = {{"+15550100000", "a"}, {"+15550100001", "b"}};
  std::vector<std::string> log;
  CallAudio audio{[this](const std::string& n) {
    auto it = numbers.find(n);
    return it == numbers.end() ? std::string() : it->second;
  }};
  Fixture() {
    audio.SetBridge({[this](const std::string& x, const std::string& y) { log.push_back("connect " + x + " " + y); },
                     [this](const std::string& x) { log.push_back("disconnect " + x); }});
  }
};

TEST(CallAudio, AnActiveCallBetweenInstancesBridgesThemUntilItEnds) {
  Fixture f;
  f.audio.OnPhoneEvent("a", Event("phone.call.dialing", "+15550100001"));
  f.audio.OnPhoneEvent("b", Event("phone.call.ringing", "+15550100000"));
  EXPECT_TRUE(f.log.empty());  // no sound crosses before the answer
  f.audio.OnPhoneEvent("b", Event("phone.call.active", "+15550100000"));
  f.audio.OnPhoneEvent("a", Event("phone.call.active", "+15550100001"));
  ASSERT_EQ(f.log.size(), 2u);
  EXPECT_EQ(f.log[0], "connect b a");
  f.audio.OnPhoneEvent("a", Event("phone.call.ended", "+15550100001"));
  f.audio.OnPhoneEvent("b", Event("phone.call.ended", "+15550100000"));
  EXPECT_EQ(f.log.back(), "disconnect b");
  EXPECT_EQ(f.log[2], "disconnect a");
}

TEST(CallAudio, CallsFromOutsideTheNodeLeaveTheSoundCardAlone) {
  Fixture f;
  f.audio.OnPhoneEvent("a", Event("phone.call.active", "+4930123456"));
  f.audio.OnPhoneEvent("a", Event("phone.call.ended", "+4930123456"));
  f.audio.OnPhoneEvent("a", Json{{"type", "phone.call.active"}});  // malformed: no call
  f.audio.OnPhoneEvent("a", Event("phone.call.active", "+15550100000"));  // itself
  EXPECT_TRUE(f.log.empty());
}

TEST(CallAudio, AModemRestartEndsEveryBridge) {
  Fixture f;
  f.audio.OnPhoneEvent("a", Event("phone.call.active", "+15550100001"));
  f.audio.OnModemRestart();
  ASSERT_EQ(f.log.size(), 3u);
  EXPECT_EQ(f.log[1].substr(0, 10), "disconnect");
  EXPECT_EQ(f.log[2].substr(0, 10), "disconnect");
  f.audio.OnPhoneEvent("a", Event("phone.call.ended", "+15550100001"));
  EXPECT_EQ(f.log.size(), 3u);
}

}  // namespace
}  // namespace vmi::node
