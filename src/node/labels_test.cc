#include "node/labels.h"

#include <gtest/gtest.h>

namespace vmi::node {
namespace {

using nlohmann::json;

TEST(Labels, ValidKeysAndValues) {
  for (const char* k : {"team", "a", "app.example.com/tier", "x_y-z.1", "A9"})
    EXPECT_TRUE(ValidateLabelKey(k).ok()) << k;
  const std::string long_key(64, 'a');
  for (const char* k : {"", "-team", "team-", "a b", "ümlaut", "/x", "Example.com/x", "ex..com/x",
                        "x/", long_key.c_str(), "a=b", "a,b", "!a"})
    EXPECT_FALSE(ValidateLabelKey(k).ok()) << k;
  EXPECT_TRUE(ValidateLabelValue("").ok());
  EXPECT_TRUE(ValidateLabelValue("qa-1").ok());
  EXPECT_FALSE(ValidateLabelValue("a b").ok());
  EXPECT_FALSE(ValidateLabelValue(std::string(64, 'v')).ok());
}

TEST(Labels, FromJson) {
  auto l = LabelsFromJson(json{{"team", "qa"}, {"gpu", ""}});
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(*l, (Labels{{"team", "qa"}, {"gpu", ""}}));
  EXPECT_FALSE(LabelsFromJson(json{{"team", 1}}).ok());
  EXPECT_FALSE(LabelsFromJson(json::array()).ok());
  EXPECT_FALSE(LabelsFromJson(json{{"bad key", "x"}}).ok());
  json many = json::object();
  for (int i = 0; i < 33; ++i) many["k" + std::to_string(i)] = "v";
  auto r = LabelsFromJson(many);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("at most 32"), std::string::npos);
}

TEST(Labels, SelectorsMatchAsDocumented) {
  Labels qa = {{"team", "qa"}, {"tier", "front"}};
  Labels dev = {{"team", "dev"}, {"gpu", ""}};
  Labels none;
  struct Case {
    const char* selector;
    bool qa, dev, none;
  } cases[] = {
      {"team=qa", true, false, false},
      {"team==qa", true, false, false},
      {"team!=qa", false, true, true},
      {"gpu", false, true, false},
      {"!gpu", true, false, true},
      {"team=qa,tier=front", true, false, false},
      {"team=qa, tier=back", false, false, false},
      {"team", true, true, false},
  };
  for (const auto& c : cases) {
    auto s = ParseLabelSelector(c.selector);
    ASSERT_TRUE(s.ok()) << c.selector << ": " << s.error().ToString();
    EXPECT_EQ(s->Matches(qa), c.qa) << c.selector;
    EXPECT_EQ(s->Matches(dev), c.dev) << c.selector;
    EXPECT_EQ(s->Matches(none), c.none) << c.selector;
  }
  EXPECT_EQ(ParseLabelSelector("team==qa, !gpu,x!=1")->ToString(), "team=qa,!gpu,x!=1");
}

TEST(Labels, BadSelectorsAreRefused) {
  for (const char* s : {"", ",", "team=qa,", "=qa", "team=q a", "!", "!=x", "a==b=c", "té=1",
                        "team=qa,,x"}) {
    auto r = ParseLabelSelector(s);
    EXPECT_FALSE(r.ok()) << "'" << s << "'";
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    }
  }
  EXPECT_FALSE(ParseLabelSelector(std::string(5000, 'a')).ok());
}

}  // namespace
}  // namespace vmi::node
