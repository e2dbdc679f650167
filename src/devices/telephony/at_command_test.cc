#include "devices/telephony/at_command.h"

#include <gtest/gtest.h>

#include "devices/telephony/at_line_reader.h"

namespace vmi::telephony {
namespace {

using K = AtCommand::Kind;

TEST(AtCommand, SplitsBasicAndExtendedCommands) {
  auto c = ParseAtLine("at E0 V1 &F +CMEE=1;+CREG?;+COPS=?;+CGSN");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  ASSERT_EQ(c->size(), 7u);
  EXPECT_EQ((*c)[0].name, "E");
  EXPECT_EQ((*c)[0].args, "0");
  EXPECT_EQ((*c)[2].name, "&F");
  EXPECT_EQ((*c)[3].name, "+CMEE");
  EXPECT_EQ((*c)[3].kind, K::kSet);
  EXPECT_EQ((*c)[3].args, "1");
  EXPECT_EQ((*c)[4].kind, K::kRead);
  EXPECT_EQ((*c)[5].kind, K::kTest);
  EXPECT_EQ((*c)[6].kind, K::kAction);
}

TEST(AtCommand, DialTakesTheRestOfTheLineAndQuotesKeepSpaces) {
  auto d = ParseAtLine("ATD+1 555 0100002;");
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->size(), 1u);
  EXPECT_EQ((*d)[0].name, "D");
  EXPECT_EQ((*d)[0].args, "+15550100002;");
  auto q = ParseAtLine("AT+CPMS=\"S M\",\"a;b\"");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ((*q)[0].args, "\"S M\",\"a;b\"");
  auto args = SplitArgs((*q)[0].args);
  ASSERT_EQ(args.size(), 2u);
  EXPECT_EQ(args[0], "S M");
  EXPECT_EQ(args[1], "a;b");
}

TEST(AtCommand, RefusesGarbage) {
  EXPECT_FALSE(ParseAtLine("").ok());
  EXPECT_FALSE(ParseAtLine("HELLO").ok());
  EXPECT_FALSE(ParseAtLine("AT+").ok());
  EXPECT_FALSE(ParseAtLine("AT+CPMS=\"SM").ok());
  EXPECT_FALSE(ParseAtLine("AT&").ok());
  EXPECT_FALSE(ParseAtLine(std::string("AT\x01\xff", 4)).ok());
  EXPECT_FALSE(ParseAtLine("AT+CSQ?x").ok());
}

TEST(AtLineReader, SplitsLinesAndBoundsThem) {
  AtLineReader r;
  std::vector<AtLineReader::Item> items;
  r.Feed("AT\r\nATE0", &items);
  r.Feed("\r", &items);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].text, "AT");
  EXPECT_EQ(items[1].text, "ATE0");
  items.clear();
  r.Feed(std::string(100000, 'A'), &items);
  r.Feed("\rAT\r", &items);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].kind, AtLineReader::Item::Kind::kOverlong);
  EXPECT_EQ(items[1].text, "AT");
  items.clear();
  r.ExpectPdu();
  r.Feed("0011\r\n00", &items);
  EXPECT_TRUE(items.empty());
  r.Feed("\x1a" "AT\r", &items);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].kind, AtLineReader::Item::Kind::kPdu);
  EXPECT_EQ(items[0].text, "001100");
  EXPECT_EQ(items[1].text, "AT");
  items.clear();
  r.ExpectPdu();
  r.Feed("00\x1b", &items);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].kind, AtLineReader::Item::Kind::kPduCancelled);
}

}  // namespace
}  // namespace vmi::telephony
