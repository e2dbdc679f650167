// Replays malformed inputs through the fuzz target bodies, so the regular
// suite covers what the fuzzers explore.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "devices/telephony/fuzz_bodies.h"
#include "devices/telephony/sms_pdu.h"

namespace vmi::telephony {
namespace {

std::vector<std::string> Mutate(std::vector<std::string> cases, unsigned seed, int n) {
  std::mt19937 rng(seed);
  size_t base = cases.size();
  for (int i = 0; i < n; ++i) {
    std::string s = cases[rng() % base];
    int edits = 1 + rng() % 4;
    for (int e = 0; e < edits && !s.empty(); ++e) {
      switch (rng() % 3) {
        case 0:
          s[rng() % s.size()] = static_cast<char>(rng());
          break;
        case 1:
          s.insert(rng() % s.size(), 1, static_cast<char>(rng()));
          break;
        default:
          s.erase(rng() % s.size(), 1);
      }
    }
    cases.push_back(s);
  }
  return cases;
}

TEST(TelephonyFuzzReplay, AtModem) {
  std::string pdu = ToHex(EncodeSubmit({0, "+15550100002", false,
                                        {Coding::kGsm7, "hello", {}, std::nullopt}}));
  std::vector<std::string> cases = {
      "AT\r",
      "ATE0;+CMEE=2;+CREG=2;+CREG?;+COPS=3,2;+COPS?\r",
      "ATD+15550100002;\rAT+CLCC\rATH\r",
      "AT+CMGS=" + std::to_string(pdu.size() / 2 - 1) + "\r" + pdu + "\x1a",
      "AT+CMGS=18\r0011\x1b",
      "AT+CMGL=4\rAT+CMGR=1\rAT+CMGD=1,4\r",
      "AT+CPMS=\"SM\",\"SM\",\"SM\";+CNMI=2,1\r",
      std::string(2000, 'A') + "\r",
      "AT+CRSM=176,12258,0,0,10\r",
      std::string("AT\0\xff+\"\r", 8),
  };
  for (const std::string& c : Mutate(cases, 3, 3000))
    FuzzAtModem(reinterpret_cast<const uint8_t*>(c.data()), c.size());
}

TEST(TelephonyFuzzReplay, SmsPdu) {
  std::vector<std::string> cases;
  for (const char* hex : {"0011000B916407281553F80000AA0AE8329BFD4697D9EC37",
                          "07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07"}) {
    Bytes b = *FromHex(hex);
    cases.emplace_back(b.begin(), b.end());
  }
  std::string text;
  for (int i = 0; i < 100; ++i) text += "ж€a";
  for (const UserData& part : SplitText(text, 300)) {
    Bytes b = EncodeSubmit({0, "+15550100002", false, part});
    cases.emplace_back(b.begin(), b.end());
  }
  for (const std::string& c : Mutate(cases, 4, 5000))
    FuzzSmsPdu(reinterpret_cast<const uint8_t*>(c.data()), c.size());
}

TEST(TelephonyFuzzReplay, LineSocket) {
  std::vector<std::string> cases = {
      R"({"id":1,"op":"calls"})" "\n",
      R"({"id":1,"op":"hello","instance":"b"})" "\n" R"({"id":2,"op":"hangup"})" "\n",
      R"({"id":1,"op":"answer"})" "\n" R"({"id":2,"op":"calls"})" "\n" R"({"id":3,"op":"bye"})" "\n",
      R"({"id":1,"op":"dial","number":"+15550100002"})" "\n" R"({"id":2,"op":"stored"})" "\n",
      R"({"id":1,"op":"sms","pdu":"0011000B915155100000F20000AA05E8329BFD06"})" "\n",
      R"({"id":1,"op":"read","index":1})" "\n" R"({"id":2,"op":"delete","index":-1})" "\n",
      R"({"id":1,"op":"keep","state":{"echo":false,"cnmi":[2,1]}})" "\n" R"({"id":2,"op":"settings"})" "\n",
      R"({"event":"ended","call":{"id":3,"index":1,"outgoing":true,"state":9,"peer":"+1"},"cause":16})" "\n",
      R"({"id":4,"ok":true,"result":{"registration":"home","signal":20,"operator":"vmi"}})" "\n",
      R"({"id":[],"op":{"x":1},"index":"1","number":null})" "\n",
      std::string(70000, '{') + "\n",
      std::string("\0\xff\n\n{}\n", 6),
  };
  for (const std::string& c : Mutate(cases, 5, 300))
    FuzzLineSocket(reinterpret_cast<const uint8_t*>(c.data()), c.size());
}

}  // namespace
}  // namespace vmi::telephony
