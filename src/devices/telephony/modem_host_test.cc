// The modem in a device host: ModemHost (endpoint, AT modem, RemoteLine on
// a thread of its own) against a ModemService running on another thread,
// over real sockets, as vmi-devhost and vmi-modem run it.
#include "devices/telephony/modem_host.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <future>
#include <thread>

#include "base/file.h"
#include "base/temp_dir.h"
#include "devices/telephony/modem_service.h"

namespace vmi::telephony {
namespace {

using namespace std::chrono_literals;

UniqueFd Connect(const std::string& path) {
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return {};
  return fd;
}

// Reads `fd` until the text has `want` (or 5 s pass); what was read.
std::string ReadUntil(int fd, const std::string& want, std::chrono::milliseconds timeout = 5000ms) {
  std::string got;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (got.find(want) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

std::string Say(int fd, const std::string& line, const std::string& want = "OK") {
  std::string cmd = line + "\r";
  EXPECT_EQ(write(fd, cmd.data(), cmd.size()), static_cast<ssize_t>(cmd.size()));
  return ReadUntil(fd, want);
}

// vmi-modem on a thread of its own, as the separate process it is.
class ServiceThread {
 public:
  explicit ServiceThread(const std::string& state_dir) {
    auto s = ModemService::Create({.state_dir = state_dir});
    EXPECT_TRUE(s.ok()) << s.error().ToString();
    if (!s.ok()) return;
    service_ = std::move(*s);
    thread_ = std::thread([this] { (void)service_->loop().Run(); });
  }
  ~ServiceThread() {
    if (!service_) return;
    service_->loop().Stop();
    thread_.join();
  }
  nlohmann::json Op(nlohmann::json req) {
    std::promise<nlohmann::json> reply;
    service_->loop().Post([&] { reply.set_value(service_->Handle(req)); });
    return reply.get_future().get();
  }

 private:
  std::unique_ptr<ModemService> service_;
  std::thread thread_;
};

class ModemHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::move(*TempDir::Create("vmi-modem-host"));
    state = dir.path() + "/state";
    StartService();
    for (const char* i : {"a", "b"}) ASSERT_TRUE(MakeDirs(dir.path() + "/" + i).ok());
    for (const char* i : {"a", "b"}) {
      auto h = ModemHost::Start(i, dir.path() + "/" + i, state + "/line.sock");
      ASSERT_TRUE(h.ok()) << h.error().ToString();
      hosts.push_back(std::move(*h));
    }
    pa = Connect(dir.path() + "/a/modem.sock");
    pb = Connect(dir.path() + "/b/modem.sock");
    ASSERT_TRUE(pa && pb);
  }
  void StartService() {
    service = std::make_unique<ServiceThread>(state);
    ASSERT_TRUE(service->Op({{"op", "line"}, {"instance", "a"}, {"number", "+15550100001"}})["ok"]);
    ASSERT_TRUE(service->Op({{"op", "line"}, {"instance", "b"}, {"number", "+15550100002"}})["ok"]);
  }
  // The line is up once the network answers the modem with its number.
  bool WaitRegistered(int fd) {
    for (int i = 0; i < 100; ++i) {
      if (Say(fd, "AT+CREG?").find("+CREG: 0,1") != std::string::npos) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  TempDir dir;
  std::string state;
  std::unique_ptr<ServiceThread> service;
  std::vector<std::unique_ptr<ModemHost>> hosts;
  UniqueFd pa, pb;
};

TEST_F(ModemHostTest, CallsAndSmsCrossTheLineSocketAndTheModemOutlivesTheService) {
  ASSERT_TRUE(WaitRegistered(pa.get()));
  ASSERT_TRUE(WaitRegistered(pb.get()));
  // What ModemManager sets up: no echo, +CMTI for new SMS, caller id.
  for (int fd : {pa.get(), pb.get()}) {
    Say(fd, "ATE0");
    EXPECT_NE(Say(fd, "AT+CNMI=2,1,0,0,0").find("OK"), std::string::npos);
    Say(fd, "AT+CLIP=1");
  }
  EXPECT_NE(Say(pa.get(), "AT+CNUM").find("+15550100001"), std::string::npos);

  EXPECT_NE(Say(pa.get(), "ATD+15550100002;").find("OK"), std::string::npos);
  std::string ring = ReadUntil(pb.get(), "+CLIP");
  EXPECT_NE(ring.find("RING"), std::string::npos) << ring;
  EXPECT_NE(ring.find("+CLIP: \"+15550100001\",145"), std::string::npos) << ring;
  EXPECT_NE(Say(pb.get(), "ATA").find("OK"), std::string::npos);
  EXPECT_EQ(service->Op({{"op", "calls"}, {"instance", "a"}})["result"][0]["state"], "active");
  EXPECT_NE(Say(pa.get(), "AT+CLCC").find("+CLCC: 1,0,0,0,0,\"+15550100002\",145"), std::string::npos);

  // An SMS from outside lands in b's storage: +CMTI, then +CMGL lists it.
  ASSERT_TRUE(service->Op({{"op", "sms_in"}, {"instance", "b"}, {"from", "+4930123"}, {"text", "hi"}})["ok"]);
  std::string cmti = ReadUntil(pb.get(), "+CMTI");
  EXPECT_NE(cmti.find("+CMTI: \"SM\",1"), std::string::npos) << cmti;
  Say(pb.get(), "AT+CMGF=0");
  std::string list = Say(pb.get(), "AT+CMGL=4");
  EXPECT_NE(list.find("+CMGL: 1,0,,"), std::string::npos) << list;
  EXPECT_NE(Say(pb.get(), "AT+CMGD=1").find("OK"), std::string::npos);
  EXPECT_NE(Say(pb.get(), "AT+CMGR=1", "ERROR").find("ERROR"), std::string::npos);

  // vmi-modem goes away mid-call: the guest's port stays connected, the
  // call ends (NO CARRIER), the modem has no network...
  service.reset();
  EXPECT_NE(ReadUntil(pa.get(), "NO CARRIER").find("NO CARRIER"), std::string::npos);
  EXPECT_NE(ReadUntil(pb.get(), "NO CARRIER").find("NO CARRIER"), std::string::npos);
  EXPECT_NE(Say(pa.get(), "AT+CREG?").find("+CREG: 0,2"), std::string::npos);
  EXPECT_NE(Say(pa.get(), "ATD+15550100002;", "ERROR").find("ERROR"), std::string::npos);

  // ...until it is back: the line connects again by itself, and what the
  // guest set up (no echo, +CMTI) still holds, with no new set-up.
  StartService();
  ASSERT_TRUE(WaitRegistered(pb.get()));
  ASSERT_TRUE(service->Op({{"op", "sms_in"}, {"instance", "b"}, {"from", "+4930123"}, {"text", "again"}})["ok"]);
  cmti = ReadUntil(pb.get(), "+CMTI");
  EXPECT_NE(cmti.find("+CMTI: \"SM\","), std::string::npos) << cmti;
  std::string quiet = Say(pb.get(), "AT");
  EXPECT_EQ(quiet.find("AT\r"), std::string::npos) << "echo came back: " << quiet;
  EXPECT_NE(Say(pa.get(), "ATD+15550100002;").find("OK"), std::string::npos);
  EXPECT_NE(ReadUntil(pb.get(), "RING").find("RING"), std::string::npos);
  EXPECT_NE(Say(pa.get(), "ATH").find("OK"), std::string::npos);
}

// A device host that dies in a call (kill -9, a crash) and is restarted:
// the call carries on, and the new modem answers as the guest set it up.
TEST_F(ModemHostTest, ARestartedDeviceHostTakesOverTheCallAndTheModemSetUp) {
  ASSERT_TRUE(WaitRegistered(pa.get()));
  ASSERT_TRUE(WaitRegistered(pb.get()));
  Say(pa.get(), "ATE0");
  Say(pa.get(), "AT+CMEE=2");
  EXPECT_NE(Say(pa.get(), "ATD+15550100002;").find("OK"), std::string::npos);
  ReadUntil(pb.get(), "RING");
  EXPECT_NE(Say(pb.get(), "ATA").find("OK"), std::string::npos);

  hosts[0].reset();  // a's device host and its guest connection go
  pa.reset();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(service->Op({{"op", "calls"}, {"instance", "b"}})["result"][0]["state"], "active");
  auto h = ModemHost::Start("a", dir.path() + "/a", state + "/line.sock");
  ASSERT_TRUE(h.ok()) << h.error().ToString();
  hosts[0] = std::move(*h);
  pa = Connect(dir.path() + "/a/modem.sock");
  ASSERT_TRUE(pa);
  std::string quiet = Say(pa.get(), "AT+CLCC");
  EXPECT_NE(quiet.find("+CLCC: 1,0,0,0,0,\"+15550100002\",145"), std::string::npos) << quiet;
  EXPECT_EQ(quiet.find("AT+CLCC\r"), std::string::npos) << "echo came back: " << quiet;
  EXPECT_NE(Say(pa.get(), "AT+CPIN=\"x\"", "ERROR").find("+CME ERROR: "), std::string::npos);
  // b hangs up: the new modem of a hears it.
  EXPECT_NE(Say(pb.get(), "ATH").find("OK"), std::string::npos);
  EXPECT_NE(ReadUntil(pa.get(), "NO CARRIER").find("NO CARRIER"), std::string::npos);
}

// The far end hangs up while a's device host is down (its line orphaned):
// the restarted device host's modem still tells the guest (NO CARRIER, no
// call left), and an SMS that came meanwhile is announced (+CMTI).
TEST_F(ModemHostTest, WhatHappensWhileTheDeviceHostIsDownReachesTheRestartedOne) {
  ASSERT_TRUE(WaitRegistered(pa.get()));
  ASSERT_TRUE(WaitRegistered(pb.get()));
  Say(pa.get(), "ATE0");
  Say(pa.get(), "AT+CNMI=2,1,0,0,0");
  EXPECT_NE(Say(pa.get(), "ATD+15550100002;").find("OK"), std::string::npos);
  ReadUntil(pb.get(), "RING");
  EXPECT_NE(Say(pb.get(), "ATA").find("OK"), std::string::npos);

  hosts[0].reset();
  pa.reset();
  // Once vmi-modem has seen a's device host go, b hangs up.
  for (int i = 0; i < 250 && service->Op({{"op", "ping"}})["result"]["line_connections"] != 1; ++i)
    std::this_thread::sleep_for(20ms);
  ASSERT_EQ(service->Op({{"op", "ping"}})["result"]["line_connections"], 1);
  EXPECT_NE(Say(pb.get(), "ATH").find("OK"), std::string::npos);
  EXPECT_TRUE(service->Op({{"op", "calls"}, {"instance", "a"}})["result"].empty());
  ASSERT_TRUE(service->Op({{"op", "sms_in"}, {"instance", "a"}, {"from", "+4930123"}, {"text", "meanwhile"}})["ok"]);

  auto h = ModemHost::Start("a", dir.path() + "/a", state + "/line.sock");
  ASSERT_TRUE(h.ok()) << h.error().ToString();
  hosts[0] = std::move(*h);
  pa = Connect(dir.path() + "/a/modem.sock");
  ASSERT_TRUE(pa);
  std::string missed = ReadUntil(pa.get(), "+CMTI");
  missed += ReadUntil(pa.get(), "NO CARRIER", 1000ms);
  EXPECT_NE(missed.find("NO CARRIER"), std::string::npos) << missed;
  EXPECT_NE(missed.find("+CMTI: \"SM\",1"), std::string::npos) << missed;
  std::string calls = Say(pa.get(), "AT+CLCC");
  EXPECT_EQ(calls.find("+CLCC:"), std::string::npos) << calls;
}

TEST_F(ModemHostTest, TheLineSocketServesOnlyANamedLineAndANewHostReplacesTheOld) {
  auto ask = [](int fd, const std::string& line) {
    std::string l = line + "\n";
    EXPECT_EQ(write(fd, l.data(), l.size()), static_cast<ssize_t>(l.size()));
    return nlohmann::json::parse(ReadUntil(fd, "\n"), nullptr, false);
  };
  UniqueFd c = Connect(state + "/line.sock");
  ASSERT_TRUE(c);
  EXPECT_EQ(ask(c.get(), R"({"id":1,"op":"calls"})")["code"], "failed_precondition");
  EXPECT_EQ(ask(c.get(), R"({"id":2,"op":"hello","instance":"nobody"})")["code"], "not_found");
  EXPECT_EQ(ask(c.get(), "not json")["code"], "invalid_argument");
  EXPECT_EQ(ask(c.get(), R"({"id":3,"op":"hello","instance":"a"})")["result"]["number"], "+15550100001");
  EXPECT_EQ(ask(c.get(), R"({"id":4,"op":"sms","pdu":"zz"})")["ok"], false);
  EXPECT_EQ(ask(c.get(), R"({"id":5,"op":"sms","pdu":"0011"})")["ok"], false);
  EXPECT_EQ(ask(c.get(), R"({"id":6,"op":"read","index":"x"})")["code"], "invalid_argument");
  // This connection took a's line from its device host's modem, whose line
  // now has no network until it connects again (and takes it back).
  auto line = ask(c.get(), R"({"id":7,"op":"settings"})");
  EXPECT_EQ(line["result"]["registration"], "home") << line.dump();
  ASSERT_TRUE(WaitRegistered(pa.get()));
  char buf[256];
  pollfd p{c.get(), POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 5000), 1);
  EXPECT_EQ(read(c.get(), buf, sizeof buf), 0) << "the replaced connection is closed";
}

}  // namespace
}  // namespace vmi::telephony
