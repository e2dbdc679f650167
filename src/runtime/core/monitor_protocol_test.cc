#include "runtime/core/monitor_protocol.h"

#include <gtest/gtest.h>

namespace vmi::runtime::monitor_protocol {
namespace {

TEST(MonitorProtocol, RepliesRoundTrip) {
  auto created = ParseReply(Created(4242));
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  EXPECT_EQ(created->kind, Reply::Kind::kCreated);
  EXPECT_EQ(created->pid, 4242);
  auto started = ParseReply(Started(7));
  ASSERT_TRUE(started.ok());
  EXPECT_EQ(started->kind, Reply::Kind::kStarted);
  EXPECT_EQ(started->pid, 7);
  auto failed = ParseReply(Failure("create failed: bad\nconfig"));
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->kind, Reply::Kind::kError);
  EXPECT_EQ(failed->message, "create failed: bad config");  // one line
}

TEST(MonitorProtocol, MalformedLinesAreRefused) {
  for (const char* line : {"", "created", "created ", "created 0", "created -3", "created 12x",
                           "started 99999999999999", "hello 12", "CREATED 12"}) {
    auto r = ParseReply(line);
    EXPECT_FALSE(r.ok()) << "'" << line << "'";
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << line;
    }
  }
}

}  // namespace
}  // namespace vmi::runtime::monitor_protocol
