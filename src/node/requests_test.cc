#include "node/requests.h"

#include <gtest/gtest.h>

namespace vmi::node {
namespace {

using nlohmann::json;

TEST(RequestsTest, CreateDefaultsAndFields) {
  auto r = ParseCreateInstance(json{{"name", "p1"}});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->image, "linux-mobile");
  EXPECT_EQ(r->width, 720);
  EXPECT_EQ(r->height, 1280);
  auto full = ParseCreateInstance(json{{"name", "p2"}, {"image", "img"}, {"cpus", 0.5},
                                       {"memory", "512M"}, {"resolution", "1080x1920"},
                                       {"dpi", 480}, {"network", "none"}, {"restart", "always"}});
  ASSERT_TRUE(full.ok()) << full.error().ToString();
  EXPECT_EQ(full->memory_bytes, 512LL << 20);
  EXPECT_EQ(full->width, 1080);
  EXPECT_EQ(full->dpi, 480);
  EXPECT_EQ(full->network, runtime::NetworkMode::kNone);
  EXPECT_EQ(full->restart, runtime::RestartPolicy::kAlways);
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
  };
  for (const auto& b : bad) {
    auto r = ParseCreateInstance(b);
    EXPECT_FALSE(r.ok()) << b.dump();
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << b.dump();
    }
  }
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

}  // namespace
}  // namespace vmi::node
