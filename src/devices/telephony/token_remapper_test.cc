#include "devices/telephony/token_remapper.h"

#include <gtest/gtest.h>

#include <set>

namespace vmi::telephony {
namespace {

TEST(TokenRemapper, KeepsAFreeTokenAndRemapsAColliding) {
  TokenRemapper r;
  uint64_t a = r.Issue("a", 7, 10);
  uint64_t b = r.Issue("b", 7, 25);
  uint64_t c = r.Issue("c", 7, 20);
  EXPECT_EQ(a, 7u);  // real token
  EXPECT_NE(b, 7u);  // dummy tokens, all distinct
  EXPECT_NE(c, 7u);
  EXPECT_NE(b, c);
  EXPECT_EQ(r.in_flight(), 3u);
  // Completions come back out of order, each to its client under its token.
  auto pc = r.Complete(c);
  ASSERT_TRUE(pc);
  EXPECT_EQ(pc->client, "c");
  EXPECT_EQ(pc->client_token, 7u);
  EXPECT_EQ(pc->request, 20);
  EXPECT_TRUE(pc->dummy);
  auto pa = r.Complete(a);
  ASSERT_TRUE(pa);
  EXPECT_EQ(pa->client, "a");
  EXPECT_FALSE(pa->dummy);
  // Token 7 is free again on the modem: the next request keeps it.
  EXPECT_EQ(r.Issue("c", 7, 9), 7u);
  auto pb = r.Complete(b);
  ASSERT_TRUE(pb);
  EXPECT_EQ(pb->client, "b");
  EXPECT_EQ(pb->request, 25);
  EXPECT_FALSE(r.Complete(b));  // answered once only
  EXPECT_FALSE(r.Complete(12345));
}

TEST(TokenRemapper, ManyClientsWithTheSameCountersNeverShareAModemToken) {
  TokenRemapper r;
  std::set<uint64_t> modem;
  std::vector<std::pair<uint64_t, std::string>> issued;
  for (int t = 1; t <= 50; ++t)
    for (const char* c : {"a", "b", "c"}) {
      uint64_t m = r.Issue(c, t, 1);
      EXPECT_TRUE(modem.insert(m).second);
      issued.emplace_back(m, c);
    }
  // Complete in reverse order; each goes back where it came from.
  for (auto it = issued.rbegin(); it != issued.rend(); ++it) {
    auto p = r.Complete(it->first);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->client, it->second);
  }
  EXPECT_EQ(r.in_flight(), 0u);
}

TEST(TokenRemapper, ADroppedClientsCompletionsGoNowhereButTheirTokensStayTaken) {
  TokenRemapper r;
  uint64_t a = r.Issue("a", 1, 10);
  EXPECT_EQ(r.DropClient("a"), 1u);
  EXPECT_NE(r.Issue("b", 1, 10), a);  // the modem has not answered token 1 yet
  EXPECT_FALSE(r.Complete(a));
}

}  // namespace
}  // namespace vmi::telephony
