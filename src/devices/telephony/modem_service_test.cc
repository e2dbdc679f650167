// The modem service end to end in one process: its control socket's
// requests, and a guest port connected to an instance's modem.sock.
#include "devices/telephony/modem_service.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>

#include "base/file.h"
#include "base/temp_dir.h"

namespace vmi::telephony {
namespace {

UniqueFd Connect(const std::string& path) {
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return {};
  return fd;
}

class ModemServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::move(*TempDir::Create("vmi-modem"));
    Open();
  }
  void Open() {
    auto s = ModemService::Create({.state_dir = dir.path() + "/state"});
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    service = std::move(*s);
  }
  nlohmann::json Op(nlohmann::json req) { return service->Handle(req); }
  // Runs the loop until `fd` has produced text containing `want`.
  std::string ReadUntil(int fd, const std::string& want) {
    std::string got;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (got.find(want) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      (void)service->loop().RunOnce(20);
      char buf[4096];
      ssize_t n = read(fd, buf, sizeof buf);
      if (n > 0) got.append(buf, n);
    }
    return got;
  }
  std::string DevDir(const std::string& name) {
    std::string d = dir.path() + "/" + name;
    EXPECT_TRUE(MakeDirs(d).ok());
    return d;
  }
  TempDir dir;
  std::unique_ptr<ModemService> service;
};

TEST_F(ModemServiceTest, ControlOpsActOnTheNamedLineOnly) {
  EXPECT_TRUE(Op({{"op", "line"}, {"instance", "a"}, {"number", "+15550100001"}})["ok"]);
  EXPECT_TRUE(Op({{"op", "line"}, {"instance", "b"}, {"number", "+15550100002"}})["ok"]);
  auto dup = Op({{"op", "line"}, {"instance", "c"}, {"number", "+15550100001"}});
  EXPECT_FALSE(dup["ok"]);
  EXPECT_EQ(dup["code"], "already_exists");
  EXPECT_EQ(Op({{"op", "get"}, {"instance", "nope"}})["code"], "not_found");
  EXPECT_EQ(Op({{"op", "bogus"}, {"instance", "a"}})["code"], "invalid_argument");
  EXPECT_EQ(Op({{"op", "set"}, {"instance", "a"}, {"signal", "x"}})["code"], "invalid_argument");
  auto set = Op({{"op", "set"}, {"instance", "a"}, {"registration", "roaming"}, {"signal", 7}});
  ASSERT_TRUE(set["ok"]) << set.dump();
  EXPECT_EQ(set["result"]["registration"], "roaming");
  EXPECT_EQ(Op({{"op", "dial_in"}, {"instance", "a"}, {"from", "+4930123"}})["code"],
            "failed_precondition");  // not attached: subscriber absent
  ASSERT_TRUE(Op({{"op", "sms_in"}, {"instance", "b"}, {"from", "+4930123"}, {"text", "hi"}})["ok"]);
  EXPECT_EQ(Op({{"op", "messages"}, {"instance", "a"}})["result"].size(), 0u);
  EXPECT_EQ(Op({{"op", "messages"}, {"instance", "b"}})["result"].size(), 1u);
}

TEST_F(ModemServiceTest, GuestPortDialsAnotherLineAndSmsSurviveARestart) {
  ASSERT_TRUE(Op({{"op", "line"}, {"instance", "a"}, {"number", "+15550100001"}})["ok"]);
  ASSERT_TRUE(Op({{"op", "line"}, {"instance", "b"}, {"number", "+15550100002"}})["ok"]);
  std::string da = DevDir("a"), db = DevDir("b");
  ASSERT_TRUE(Op({{"op", "attach"}, {"instance", "a"}, {"devdir", da}})["ok"]);
  ASSERT_TRUE(Op({{"op", "attach"}, {"instance", "b"}, {"devdir", db}})["ok"]);
  UniqueFd pa = Connect(da + "/modem.sock"), pb = Connect(db + "/modem.sock");
  ASSERT_TRUE(pa && pb);
  (void)service->loop().RunOnce(50);
  (void)!write(pa.get(), "ATE0\r", 5);
  ReadUntil(pa.get(), "OK");
  (void)!write(pa.get(), "ATD+15550100002;\r", 17);
  EXPECT_NE(ReadUntil(pa.get(), "OK").find("OK"), std::string::npos);
  EXPECT_NE(ReadUntil(pb.get(), "RING").find("RING"), std::string::npos);
  auto calls = Op({{"op", "calls"}, {"instance", "b"}});
  ASSERT_EQ(calls["result"].size(), 1u);
  EXPECT_EQ(calls["result"][0]["state"], "incoming");
  EXPECT_EQ(calls["result"][0]["peer_instance"], "a");
  ASSERT_TRUE(Op({{"op", "answer"}, {"instance", "b"}})["ok"]);
  EXPECT_EQ(Op({{"op", "calls"}, {"instance", "a"}})["result"][0]["state"], "active");
  ASSERT_TRUE(Op({{"op", "sms_in"}, {"instance", "a"}, {"from", "+4930123"}, {"text", "kept"}})["ok"]);
  // The service goes away mid-call: both guests' ports see the call end,
  // then the connection close.
  service.reset();
  for (int fd : {pa.get(), pb.get()}) {
    std::string rest;
    char buf[256];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) rest.append(buf, n);
    EXPECT_EQ(n, 0);
    EXPECT_NE(rest.find("NO CARRIER"), std::string::npos) << rest;
  }
  Open();
  ASSERT_TRUE(Op({{"op", "line"}, {"instance", "a"}, {"number", "+15550100001"}})["ok"]);
  auto msgs = Op({{"op", "messages"}, {"instance", "a"}});
  ASSERT_EQ(msgs["result"].size(), 1u);
  EXPECT_EQ(msgs["result"][0]["text"], "kept");
  EXPECT_EQ(Op({{"op", "calls"}, {"instance", "a"}})["result"].size(), 0u);
}

}  // namespace
}  // namespace vmi::telephony
