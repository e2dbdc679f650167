#include "node/requests.h"

#include <gtest/gtest.h>

namespace vmi::node {
namespace {

using nlohmann::json;

TEST(RequestsTest, CreateDefaultsAndFields) {
  auto r = ParseCreateInstance(json{{"name", "p1"}});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->spec.image, "linux-mobile");
  EXPECT_EQ(r->spec.width, 720);
  EXPECT_EQ(r->spec.height, 1280);
  EXPECT_FALSE(r->ask.pids || r->ask.disk_bytes || r->ask.bandwidth_mbit || r->ask.open_files);
  auto full = ParseCreateInstance(json{{"name", "p2"}, {"image", "img"}, {"cpus", 0.5},
                                       {"memory", "512M"}, {"resolution", "1080x1920"},
                                       {"dpi", 480}, {"network", "none"}, {"restart", "always"},
                                       {"pids", 100}, {"disk", "1G"}, {"bandwidth_mbit", 5},
                                       {"open_files", 1024}});
  ASSERT_TRUE(full.ok()) << full.error().ToString();
  EXPECT_EQ(full->spec.memory_bytes, 512LL << 20);
  EXPECT_EQ(full->spec.width, 1080);
  EXPECT_EQ(full->spec.dpi, 480);
  EXPECT_EQ(full->spec.network, runtime::NetworkMode::kNone);
  EXPECT_EQ(full->spec.restart, runtime::RestartPolicy::kAlways);
  EXPECT_EQ(*full->ask.pids, 100);
  EXPECT_EQ(*full->ask.disk_bytes, 1LL << 30);
  EXPECT_EQ(*full->ask.bandwidth_mbit, 5);
  EXPECT_EQ(*full->ask.open_files, 1024);
  EXPECT_TRUE(ParseCreateInstance(json::object()).ok());  // the node names it
}

TEST(RequestsTest, CreateRejectsBadInput) {
  std::vector<json> bad = {
      json::array(),
      json{{"name", 5}},
      json{{"name", "../etc"}},
      json{{"name", "x'; DROP TABLE instances;--"}},
      json{{"name", "p"}, {"unknown", 1}},
      json{{"name", "p"}, {"memory", true}},
      json{{"name", "p"}, {"memory", "12Q"}},
      json{{"name", "p"}, {"resolution", "big"}},
      json{{"name", "p"}, {"resolution", "720x1280"}, {"width", 5}},
      json{{"name", "p"}, {"width", 720}},
      json{{"name", "p"}, {"dpi", "320"}},
      json{{"name", "p"}, {"network", "host"}},
      json{{"name", "p"}, {"restart", "sometimes"}},
      json{{"name", "p"}, {"image", "../../etc"}},
      json{{"name", "p"}, {"cpus", "two"}},
      // Not in the documented schema: the pids limit comes from the quota.
      json{{"name", "p"}, {"pids_max", 4194304}},
      json{{"name", "p"}, {"memory", "99999999999999999999"}},
      json{{"name", "p"}, {"memory", 99999999999999999999.0}},
      json{{"name", "p"}, {"memory", 18446744073709551615ull}},
      json{{"name", "p"}, {"memory", "1K"}},
      json{{"name", "p"}, {"pids", 4194304}},
      json{{"name", "p"}, {"pids", 1}},
      json{{"name", "p"}, {"disk", "2T"}},
      json{{"name", "p"}, {"open_files", 1 << 30}},
      json{{"name", "p"}, {"bandwidth_mbit", 0}},
      json{{"name", "Upper"}},
      json{{"name", "p"}, {"cpus", 1e300}},
      json{{"name", "p"}, {"dpi", 99999999999}},
  };
  for (const auto& b : bad) {
    auto r = ParseCreateInstance(b);
    EXPECT_FALSE(r.ok()) << b.dump();
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << b.dump();
    }
  }
}

// Every error names the field it is about, so a client can point at it.
TEST(RequestsTest, ErrorsNameTheField) {
  struct Case {
    json body;
    std::string field;
  };
  std::vector<Case> cases = {
      {json{{"pids_max", 5000}}, "pids_max"},
      {json{{"memory", "99999999999999999999"}}, "memory"},
      {json{{"pids", 1 << 30}}, "pids"},
      {json{{"disk", true}}, "disk"},
      {json{{"dpi", 99999999999}}, "dpi"},
      {json{{"name", "Upper"}}, "name"},
      {json{{"cpus", -1}}, "cpus"},
  };
  for (const auto& c : cases) {
    auto r = ParseCreateInstance(c.body);
    ASSERT_FALSE(r.ok()) << c.body.dump();
    EXPECT_NE(r.error().ToString().find(c.field), std::string::npos) << r.error().ToString();
  }
  // The name rule the message states is the one applied (lower case).
  auto upper = ParseCreateInstance(json{{"name", "Upper"}});
  EXPECT_NE(upper.error().ToString().find("lower-case"), std::string::npos)
      << upper.error().ToString();
}

TEST(RequestsTest, Exec) {
  auto r = ParseExec(json{{"argv", {"ls", "-l"}}, {"timeout_ms", 100}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->argv, (std::vector<std::string>{"ls", "-l"}));
  EXPECT_EQ(r->timeout.count(), 100);
  for (const auto& b : {json{{"argv", json::array()}}, json{{"argv", {1}}}, json{{"argv", "ls"}},
                        json{{"argv", {"ls"}}, {"timeout_ms", 0}},
                        json{{"argv", {"ls"}}, {"x", 1}}})
    EXPECT_FALSE(ParseExec(b).ok()) << b.dump();
}

TEST(RequestsTest, LogTail) {
  EXPECT_EQ(*ParseLogTail(std::nullopt), 1u << 20);
  EXPECT_EQ(*ParseLogTail("0"), 0u);
  EXPECT_EQ(*ParseLogTail("16777216"), 16u << 20);
  for (const char* bad : {"", "-1", "16777217", "12x", " 5", "99999999999999999999"}) {
    auto r = ParseLogTail(std::string(bad));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace vmi::node
