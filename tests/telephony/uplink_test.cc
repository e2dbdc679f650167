// The shared real-modem uplink end to end, with a simulated vendor modem.
//
//   carrier (a second vmi-modem: "the outside world")
//     line "sim" +4915100000001  <- the vendor modem's AT interpreter
//     lines far1..far3            <- phones outside the node, driven here
//        |  the sim line's modem.sock
//   vmi-modem-port  -> a pty, /dev/ttyVMIU<pid> with its sysfs view
//        |  AT on a serial port, as a USB modem would speak
//   ModemManager (Debian's, on a private bus, no udev) -> D-Bus
//        |
//   the node's vmi-modem --uplink <bus>: lines a, b, c (three instances),
//   whose modem ports this test drives with AT as the guests' stacks do.
//
// Shows: the three instances call out and text out through the one modem
// (the far end sees the SIM's number), with colliding request tokens; what
// comes in (calls, SMS) reaches only the instance that talks to that
// number, or the uplink's owner; the others see nothing of it.
//
// Root (a private mount namespace for the sysfs view ModemManager reads).
// One ModemManager and both services are shared by the whole suite.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/child_process.h"
#include "base/file.h"
#include "base/temp_dir.h"
#include "cli_fixture.h"
#include "devices/telephony/sms_pdu.h"

namespace vmi::telephony {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kSim = "+4915100000001";
constexpr const char* kFar1 = "+4930555001";
constexpr const char* kFar2 = "+4930555002";
constexpr const char* kFar3 = "+4930555003";

UniqueFd ConnectUnix(const std::string& path) {
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return {};
  return fd;
}

bool WaitUntil(const std::function<bool()>& cond, std::chrono::milliseconds limit) {
  auto end = Clock::now() + limit;
  while (Clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return cond();
}

// A control-socket client (JSON lines; events are skipped).
class Control {
 public:
  explicit Control(std::string path) : path_(std::move(path)) {}
  nlohmann::json Op(nlohmann::json req) {
    if (!fd_) fd_ = ConnectUnix(path_);
    req["id"] = ++id_;
    std::string line = req.dump() + "\n";
    if (!fd_ || write(fd_.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
      return {{"ok", false}, {"error", "control socket " + path_}};
    for (;;) {
      size_t nl;
      while ((nl = in_.find('\n')) != std::string::npos) {
        auto j = nlohmann::json::parse(in_.substr(0, nl), nullptr, false);
        in_.erase(0, nl + 1);
        if (j.is_object() && j.value("id", 0) == id_) return j;
      }
      char buf[8192];
      ssize_t n = read(fd_.get(), buf, sizeof buf);
      if (n <= 0) return {{"ok", false}, {"error", "control socket closed"}};
      in_.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  std::string path_;
  UniqueFd fd_;
  std::string in_;
  int id_ = 0;
};

// A modem port driven with AT, as a guest's modem stack drives it.
class Port {
 public:
  explicit Port(const std::string& sock) {
    WaitUntil([&] { return (fd_ = ConnectUnix(sock)).valid(); }, 5s);
  }
  bool ok() const { return fd_.valid(); }
  // Sends a command; returns everything up to its final result.
  std::string Say(const std::string& cmd) {
    Write(cmd + "\r");
    return Until({"\r\nOK\r\n", "ERROR", "NO CARRIER", "BUSY"}, 10s);
  }
  // Waits for `want` in what the modem sent (since the last Say/Until).
  std::string Until(std::vector<std::string> wants, std::chrono::milliseconds limit) {
    auto end = Clock::now() + limit;
    for (;;) {
      for (const std::string& w : wants) {
        size_t at = seen_.find(w);
        if (at != std::string::npos) {
          std::string out = seen_.substr(0, at + w.size());
          seen_.erase(0, at + w.size());
          all_ += out;
          return out;
        }
      }
      if (Clock::now() >= end) return "<timeout> " + seen_;
      Read(100);
    }
  }
  // Everything the port received so far.
  std::string All() {
    Read(0);
    return all_ + seen_;
  }
  void Write(const std::string& s) { ASSERT_EQ(write(fd_.get(), s.data(), s.size()), static_cast<ssize_t>(s.size())); }
  // Sends an SMS in PDU mode; returns the final answer.
  std::string SendSms(const std::string& to, const std::string& text) {
    SmsSubmit s;
    s.destination = to;
    s.ud.text = text;
    Bytes pdu = EncodeSubmit(s);
    Write("AT+CMGS=" + std::to_string(pdu.size() - 1) + "\r");
    std::string prompt = Until({"> "}, 5s);
    if (prompt.find("> ") == std::string::npos) return prompt;
    Write(ToHex(pdu) + "\x1a");
    return Until({"\r\nOK\r\n", "ERROR"}, 20s);
  }

 private:
  void Read(int timeout_ms) {
    pollfd p{fd_.get(), POLLIN, 0};
    while (poll(&p, 1, timeout_ms) > 0) {
      char buf[4096];
      ssize_t n = read(fd_.get(), buf, sizeof buf);
      if (n <= 0) return;
      seen_.append(buf, static_cast<size_t>(n));
      timeout_ms = 0;
    }
  }
  UniqueFd fd_;
  std::string seen_, all_;
};

class UplinkTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0) return;
    if (!PathExists("/usr/sbin/ModemManager") || !PathExists("/usr/bin/dbus-daemon")) return;
    // ModemManager without udev reads sysfs for the port: the view lives in
    // tmpfs mounts private to this test's processes.
    if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        mount("tmpfs", "/sys/class/tty", "tmpfs", 0, nullptr) != 0 ||
        mount("tmpfs", "/sys/devices/platform", "tmpfs", 0, nullptr) != 0) {
      setup_error_ = std::string("private sysfs view: ") + std::strerror(errno);
      return;
    }
    s_ = new Shared();
    setup_error_ = s_->Start();
  }
  static void TearDownTestSuite() {
    delete s_;
    s_ = nullptr;
  }
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
    if (!s_ && setup_error_.empty()) GTEST_SKIP() << "needs ModemManager and dbus-daemon";
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
  }

  struct Shared {
    std::string Start() {
      dir = std::move(*TempDir::Create("vmi-uplink"));
      std::string d = dir.path();
      // Instances' roots need nothing here: everything runs as root.
      tty = "ttyVMIU" + std::to_string(getpid());
      const std::string bin = VMI_BIN_DIR;
      carrier = Spawn({bin + "/vmi-modem", "--state", d + "/carrier"}, d + "/carrier.log");
      if (!carrier) return "carrier vmi-modem did not start";
      if (!WaitUntil([&] { return PathExists(d + "/carrier/control.sock"); }, 5s)) return "carrier control socket";
      ctl_carrier = std::make_unique<Control>(d + "/carrier/control.sock");
      for (auto [name, number] : {std::pair{"sim", kSim}, {"far1", kFar1}, {"far2", kFar2}, {"far3", kFar3}}) {
        if (auto r = ctl_carrier->Op({{"op", "line"}, {"instance", name}, {"number", number}}); !r["ok"])
          return std::string("carrier line ") + name + ": " + r.dump();
        (void)MakeDirs(d + "/" + name);
        if (auto r = ctl_carrier->Op({{"op", "attach"}, {"instance", name}, {"devdir", d + "/" + name}}); !r["ok"])
          return std::string("carrier attach ") + name + ": " + r.dump();
      }
      far1 = std::make_unique<Port>(d + "/far1/modem.sock");
      far1->Say("AT+CLIP=1");

      port = Spawn({VMI_GUEST_BIN_DIR "/vmi-modem-port", "--socket", d + "/sim/modem.sock", "--name",
                    tty, "--events", d + "/mm.events"},
                   d + "/port.log");
      if (!WaitUntil([&] { return PathExists("/dev/" + tty) && PathExists(d + "/mm.events"); }, 5s))
        return "vmi-modem-port did not make /dev/" + tty;

      // Only the generic plugin: the vendor plugins' probes only cost time.
      (void)MakeDirs(d + "/plugins");
      if (symlink("/usr/lib/x86_64-linux-gnu/ModemManager/libmm-plugin-generic.so",
                  (d + "/plugins/libmm-plugin-generic.so").c_str()) != 0)
        return "plugin link";
      bus = "unix:path=" + d + "/bus";
      dbus = Spawn({"dbus-daemon", "--session", "--address=" + bus, "--nofork", "--nopidfile"},
                   d + "/dbus.log");
      if (!WaitUntil([&] { return PathExists(d + "/bus"); }, 5s)) return "dbus-daemon";
      SpawnOptions mm_env;
      mm_env.env = {"DBUS_SESSION_BUS_ADDRESS=" + bus};
      mm = Spawn({"ModemManager", "--test-session", "--test-no-udev", "--no-auto-scan",
                  "--initial-kernel-events=" + d + "/mm.events", "--test-plugin-dir=" + d + "/plugins",
                  "--debug"},
                 d + "/mm.log", mm_env);

      node = Spawn({bin + "/vmi-modem", "--state", d + "/node", "--uplink", bus}, d + "/node.log");
      if (!WaitUntil([&] { return PathExists(d + "/node/control.sock"); }, 5s)) return "node control socket";
      ctl = std::make_unique<Control>(d + "/node/control.sock");
      const char* numbers[] = {"+15550100001", "+15550100002", "+15550100003"};
      for (int i = 0; i < 3; ++i) {
        std::string name(1, static_cast<char>('a' + i));
        (void)MakeDirs(d + "/" + name);
        if (auto r = ctl->Op({{"op", "line"}, {"instance", name}, {"number", numbers[i]}}); !r["ok"])
          return "node line " + name + ": " + r.dump();
        if (auto r = ctl->Op({{"op", "attach"}, {"instance", name}, {"devdir", d + "/" + name}}); !r["ok"])
          return "node attach " + name + ": " + r.dump();
        inst[i] = std::make_unique<Port>(d + "/" + name + "/modem.sock");
        for (const char* init : {"ATE0", "AT+CMEE=1", "AT+CLIP=1", "AT+CMGF=0", "AT+CNMI=2,1,0,0,0"})
          inst[i]->Say(init);
      }
      // ModemManager probes the port, the node finds the modem and enables it.
      auto t0 = Clock::now();
      if (!WaitUntil([&] { return ctl->Op({{"op", "uplink"}})["result"]["ready"] == true; }, 90s))
        return "the uplink did not become ready: " + ctl->Op({{"op", "uplink"}}).dump() + "\n" +
               [&] { auto l = ReadFile(d + "/node.log"); return l.ok() ? *l : std::string(); }();
      ready_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
      return {};
    }
    ~Shared() {
      for (auto* p : {&node, &mm, &dbus, &port, &carrier}) p->reset();  // killed and reaped
      // VMI_UPLINK_LOGS=DIR keeps the services' logs for a look after a failure.
      if (const char* keep = getenv("VMI_UPLINK_LOGS"))
        for (const char* log : {"carrier.log", "port.log", "dbus.log", "mm.log", "node.log"})
          (void)RunChecked({"cp", dir.path() + "/" + log, std::string(keep) + "/" + log});
      if (!tty.empty()) unlink(("/dev/" + tty).c_str());
    }
    std::optional<ChildProcess> Spawn(std::vector<std::string> argv, const std::string& log,
                                      SpawnOptions o = {}) {
      logs.push_back(std::make_unique<UniqueFd>(open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)));
      o.stdout_fd = o.stderr_fd = logs.back()->get();
      auto c = ChildProcess::Spawn(argv, o);
      if (!c.ok()) return std::nullopt;
      return std::move(*c);
    }
    nlohmann::json Messages(Control& c, const std::string& who) {
      return c.Op({{"op", "messages"}, {"instance", who}})["result"];
    }

    TempDir dir;
    std::string tty, bus;
    std::vector<std::unique_ptr<UniqueFd>> logs;
    std::optional<ChildProcess> carrier, port, dbus, mm, node;
    std::unique_ptr<Control> ctl_carrier, ctl;
    std::unique_ptr<Port> far1, inst[3];
    double ready_seconds = 0;
  };

  static bool HasText(const nlohmann::json& messages, const std::string& text, const std::string& peer) {
    for (const auto& m : messages)
      if (m.value("text", "") == text && m.value("peer", "") == peer) return true;
    return false;
  }

  static Shared* s_;
  static std::string setup_error_;
};

UplinkTest::Shared* UplinkTest::s_ = nullptr;
std::string UplinkTest::setup_error_;

TEST_F(UplinkTest, InstanceCallsOutThroughTheSharedModemAndOnlyItSeesTheCall) {
  Port& a = *s_->inst[0];
  std::cerr << "uplink ready " << s_->ready_seconds << " s after the node started\n";
  EXPECT_NE(a.Say("ATD" + std::string(kFar1) + ";").find("OK"), std::string::npos);
  // The far end rings with the shared modem's (the SIM's) number.
  std::string ring = s_->far1->Until({std::string("+CLIP: \"") + kSim}, 30s);
  ASSERT_NE(ring.find("RING"), std::string::npos) << ring;
  s_->far1->Say("ATA");
  // ModemManager sees the call go active; so does the instance.
  ASSERT_TRUE(WaitUntil([&] { return a.Say("AT+CLCC").find(",0,0,0,0,\"" + std::string(kFar1)) != std::string::npos; }, 20s))
      << a.All();
  auto calls = s_->ctl->Op({{"op", "calls"}, {"instance", "a"}})["result"];
  ASSERT_EQ(calls.size(), 1u) << calls;
  EXPECT_EQ(calls[0]["state"], "active");
  EXPECT_EQ(calls[0]["peer"], kFar1);
  // The far end hangs up: the instance's call ends.
  s_->far1->Say("ATH");
  EXPECT_NE(a.Until({"NO CARRIER"}, 20s).find("NO CARRIER"), std::string::npos);
  // The other instances saw nothing of it.
  for (int i : {1, 2}) {
    std::string other = s_->inst[i]->All();
    EXPECT_EQ(other.find("RING"), std::string::npos) << other;
    EXPECT_EQ(other.find("NO CARRIER"), std::string::npos) << other;
    EXPECT_TRUE(s_->ctl->Op({{"op", "calls"}, {"instance", std::string(1, 'a' + i)}})["result"].empty());
  }
}

TEST_F(UplinkTest, ThreeInstancesTextOutAtOnceWithCollidingTokens) {
  auto before = s_->ctl->Op({{"op", "uplink"}})["result"]["modem"];
  const char* to[] = {kFar1, kFar2, kFar3};
  // Each instance numbers its own requests from 1; all three are in flight
  // on the one modem at once.
  for (int i = 0; i < 3; ++i) {
    SmsSubmit s;
    s.destination = to[i];
    s.ud.text = std::string("hello from ") + static_cast<char>('a' + i);
    Bytes pdu = EncodeSubmit(s);
    s_->inst[i]->Write("AT+CMGS=" + std::to_string(pdu.size() - 1) + "\r");
    ASSERT_NE(s_->inst[i]->Until({"> "}, 5s).find("> "), std::string::npos);
    s_->inst[i]->Write(ToHex(pdu) + "\x1a");
  }
  for (int i = 0; i < 3; ++i)
    EXPECT_NE(s_->inst[i]->Until({"\r\nOK\r\n", "ERROR"}, 10s).find("+CMGS:"), std::string::npos);
  // Each far phone gets its text from the SIM's number, once.
  const char* far[] = {"far1", "far2", "far3"};
  for (int i = 0; i < 3; ++i) {
    std::string text = std::string("hello from ") + static_cast<char>('a' + i);
    EXPECT_TRUE(WaitUntil([&] { return HasText(s_->Messages(*s_->ctl_carrier, far[i]), text, kSim); }, 30s))
        << far[i] << ": " << s_->Messages(*s_->ctl_carrier, far[i]);
  }
  nlohmann::json after;
  EXPECT_TRUE(WaitUntil([&] {
    after = s_->ctl->Op({{"op", "uplink"}})["result"]["modem"];
    return after["in_flight"] == 0;
  }, 10s)) << after;
  EXPECT_GT(after["dummy_tokens"].get<int>(), before["dummy_tokens"].get<int>()) << after;
  EXPECT_GE(after["completed"].get<int>(), before["completed"].get<int>() + 3) << after;
  // Each instance's list holds its own message only.
  for (int i = 0; i < 3; ++i) {
    auto mine = s_->Messages(*s_->ctl, std::string(1, 'a' + i));
    for (int j = 0; j < 3; ++j)
      EXPECT_EQ(HasText(mine, std::string("hello from ") + static_cast<char>('a' + j), to[j]), i == j)
          << mine;
  }
}

TEST_F(UplinkTest, IncomingSmsReachesTheInstanceInConversationOrTheOwner) {
  // b texts far2, so far2's answer is b's; a number nobody talked to goes
  // to the owner (c).
  EXPECT_NE(s_->inst[1]->SendSms(kFar2, "are you there?").find("+CMGS:"), std::string::npos);
  ASSERT_EQ(s_->ctl->Op({{"op", "uplink"}, {"owner", "c"}})["result"]["owner"], "c");
  ASSERT_TRUE(WaitUntil([&] { return HasText(s_->Messages(*s_->ctl_carrier, "far2"), "are you there?", kSim); }, 20s));
  // Back to back: ModemManager misses the second +CMTI while it handles the
  // first; the modem announces an unread message again (AtModem::Tick).
  ASSERT_TRUE(s_->ctl_carrier->Op({{"op", "sms_in"}, {"instance", "sim"}, {"from", kFar2}, {"text", "yes, b"}})["ok"]);
  ASSERT_TRUE(s_->ctl_carrier->Op({{"op", "sms_in"}, {"instance", "sim"}, {"from", "+4930555099"}, {"text", "who is this?"}})["ok"]);
  EXPECT_NE(s_->inst[1]->Until({"+CMTI:"}, 30s).find("+CMTI:"), std::string::npos);
  EXPECT_NE(s_->inst[2]->Until({"+CMTI:"}, 30s).find("+CMTI:"), std::string::npos);
  EXPECT_TRUE(WaitUntil([&] { return HasText(s_->Messages(*s_->ctl, "b"), "yes, b", kFar2); }, 10s));
  EXPECT_TRUE(WaitUntil([&] { return HasText(s_->Messages(*s_->ctl, "c"), "who is this?", "+4930555099"); }, 10s));
  // Nobody else has them, and the shared modem keeps no copy.
  EXPECT_FALSE(HasText(s_->Messages(*s_->ctl, "a"), "yes, b", kFar2));
  EXPECT_FALSE(HasText(s_->Messages(*s_->ctl, "c"), "yes, b", kFar2));
  EXPECT_FALSE(HasText(s_->Messages(*s_->ctl, "b"), "who is this?", "+4930555099"));
  EXPECT_EQ(s_->inst[0]->All().find("+CMTI"), std::string::npos);
  std::string modem = s_->ctl->Op({{"op", "uplink"}})["result"]["modem"]["modem"];
  EXPECT_TRUE(WaitUntil([&] {
    auto list = RunChecked({"busctl", "--address=" + s_->bus, "call", "org.freedesktop.ModemManager1",
                            modem, "org.freedesktop.ModemManager1.Modem.Messaging", "List"});
    return list.ok() && list->rfind("ao 0", 0) == 0;
  }, 10s));
}

TEST_F(UplinkTest, IncomingCallRingsOnlyTheInstanceInConversation) {
  // c texted far3 before; far3 calls the shared number: c rings, answers.
  EXPECT_NE(s_->inst[2]->SendSms(kFar3, "call me").find("+CMGS:"), std::string::npos);
  ASSERT_TRUE(s_->ctl_carrier->Op({{"op", "dial_in"}, {"instance", "sim"}, {"from", kFar3}})["ok"]);
  std::string ring = s_->inst[2]->Until({std::string("+CLIP: \"") + kFar3}, 30s);
  ASSERT_NE(ring.find("RING"), std::string::npos) << ring;
  EXPECT_NE(s_->inst[2]->Say("ATA").find("OK"), std::string::npos);
  // The call is up at the carrier: the shared modem took it.
  EXPECT_TRUE(WaitUntil([&] {
    auto calls = s_->ctl_carrier->Op({{"op", "calls"}, {"instance", "sim"}})["result"];
    return calls.size() == 1 && calls[0]["state"] == "active";
  }, 20s)) << s_->ctl_carrier->Op({{"op", "calls"}, {"instance", "sim"}});
  // c hangs up; the carrier's call ends.
  s_->inst[2]->Say("ATH");
  EXPECT_TRUE(WaitUntil([&] {
    return s_->ctl_carrier->Op({{"op", "calls"}, {"instance", "sim"}})["result"].empty();
  }, 20s));
  for (int i : {0, 1}) EXPECT_EQ(s_->inst[i]->All().find(kFar3), std::string::npos);
}

// `vmi serve --modem-uplink BUS`: the daemon starts its vmi-modem with the
// uplink, and the lines of its instances go out through the shared modem,
// driven through the CLI as a user would. Runs last: the suite's own node
// service gives the modem up first (one service drives it at a time).
TEST_F(UplinkTest, ADaemonStartedWithTheUplinkSharesTheModemWithItsInstances) {
  s_->node.reset();
  vmi::testing::Node daemon;
  std::string error;
  ASSERT_TRUE(daemon.Start(&error, {"--modem-uplink", s_->bus})) << error;
  vmi::testing::CliUser user;
  auto vmi = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--server", daemon.unix_socket()});
    return user.Run(args);
  };
  auto json = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    auto r = vmi(args);
    EXPECT_EQ(r.code, 0) << r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
  };
  // Two instances; their lines exist while they do (they need not run to
  // place a call from the API or to receive an SMS).
  for (const char* name : {"up-a", "up-b"}) {
    auto r = vmi({"create", "--name", name, "--network", "none"});
    ASSERT_EQ(r.code, 0) << r.err;
  }
  // The daemon's vmi-modem finds ModemManager's modem, already enabled.
  Control ctl(daemon.dir() + "/data/modem/control.sock");
  ASSERT_TRUE(WaitUntil([&] { return ctl.Op({{"op", "uplink"}})["result"]["ready"] == true; }, 60s))
      << ctl.Op({{"op", "uplink"}}).dump();

  // up-a calls a far phone: it rings there with the SIM's number.
  auto call = vmi({"call", "up-a", kFar1});
  ASSERT_EQ(call.code, 0) << call.err;
  std::string ring = s_->far1->Until({std::string("+CLIP: \"") + kSim}, 30s);
  ASSERT_NE(ring.find("RING"), std::string::npos) << ring;
  s_->far1->Say("ATA");
  nlohmann::json calls;
  EXPECT_TRUE(WaitUntil([&] {
    calls = json({"call", "up-a"});
    return calls.size() == 1 && calls[0]["state"] == "active" && calls[0]["peer"] == kFar1;
  }, 20s)) << calls;
  EXPECT_TRUE(json({"call", "up-b"}).empty());
  // The far phone hangs up: up-a's call ends.
  s_->far1->Say("ATH");
  EXPECT_TRUE(WaitUntil([&] { return json({"call", "up-a"}).empty(); }, 20s));

  // The far phone texts the shared number back: up-a has it (it called that
  // number), up-b does not.
  ASSERT_TRUE(s_->ctl_carrier->Op({{"op", "sms_in"}, {"instance", "sim"}, {"from", kFar1}, {"text", "call me later"}})["ok"]);
  EXPECT_TRUE(WaitUntil([&] { return HasText(json({"sms", "up-a"}), "call me later", kFar1); }, 30s))
      << json({"sms", "up-a"});
  EXPECT_FALSE(HasText(json({"sms", "up-b"}), "call me later", kFar1));
  for (const char* name : {"up-a", "up-b"}) EXPECT_EQ(vmi({"rm", name}).code, 0);
}

}  // namespace
}  // namespace vmi::telephony
