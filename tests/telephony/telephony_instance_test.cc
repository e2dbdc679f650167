// Telephony with real components: a real `vmi serve`, two linux-mobile
// instances, each running Debian's ModemManager (and D-Bus, polkit) on its
// guest modem, driven with mmcli inside the instances and with the CLI.
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <tuple>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <thread>

#include "base/child_process.h"
#include "base/file.h"
#include "cli_fixture.h"

namespace vmi::testing {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

class TelephonyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0) return;
    node_ = new Node();
    std::string error;
    if (!node_->Start(&error)) {
      ADD_FAILURE() << error;
      return;
    }
    user_ = new CliUser();
    for (const char* name : {"tel-a", "tel-b"}) {
      CliRun r = Vmi({"create", "--name", name, "--memory", "512M", "--network", "none", "--start"});
      if (r.code != 0) {
        ADD_FAILURE() << r.err;
        return;
      }
    }
    ready_ = true;
  }
  static void TearDownTestSuite() {
    // Instances outlive their daemon by design: remove them first.
    if (node_ && user_)
      for (const char* name : {"tel-a", "tel-b"}) Vmi({"rm", "--force", name}, 120s);
    delete user_;
    if (node_) node_->Stop();
    delete node_;
  }
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
    ASSERT_TRUE(ready_);
  }

  static CliRun Vmi(std::vector<std::string> args, std::chrono::seconds timeout = 60s) {
    args.insert(args.begin(), {"--server", node_->unix_socket()});
    return user_->Run(args, {}, "", timeout);
  }
  static Json VmiJson(std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    CliRun r = Vmi(args);
    EXPECT_EQ(r.code, 0) << r.err;
    return Json::parse(r.out, nullptr, false);
  }
  // Runs a shell command in the instance, in the session's UTF-8 locale
  // (mmcli's option parser refuses non-ASCII text in the C locale); its stdout.
  static std::string Sh(const std::string& instance, const std::string& cmd) {
    CliRun r = Vmi({"exec", instance, "--", "sh", "-c", "export LANG=C.UTF-8; " + cmd + " 2>&1"}, 60s);
    return r.out;
  }
  // Repeats `cmd` in the instance until its output matches `re` (or times out).
  static std::string WaitFor(const std::string& instance, const std::string& cmd,
                             const std::string& re, std::chrono::seconds timeout = 60s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string out;
    while (std::chrono::steady_clock::now() < deadline) {
      out = Sh(instance, cmd);
      if (std::regex_search(out, std::regex(re))) return out;
      std::this_thread::sleep_for(500ms);
    }
    ADD_FAILURE() << instance << ": `" << cmd << "` never matched /" << re << "/; last output:\n"
                  << out;
    return out;
  }
  // An instance's device host log (its sound card logs its call links).
  static std::string DevhostLog(const std::string& instance) {
    auto log = ReadFile(node_->dir() + "/data/instances/" + Id(instance) + "/devhost.log");
    return log.ok() ? *log : std::string();
  }
  static std::string Id(const std::string& instance) {
    static std::map<std::string, std::string> ids;
    auto& id = ids[instance];
    if (id.empty()) id = VmiJson({"inspect", instance}).value("id", "");
    return id;
  }
  // Waits until `instance`'s device host log has `text` at least `count` times.
  static bool WaitForLog(const std::string& instance, const std::string& text, int count = 1) {
    for (int i = 0; i < 300; ++i) {
      std::string log = DevhostLog(instance);
      int n = 0;
      for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
      if (n >= count) return true;
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << instance << "'s devhost.log never had " << count << "x '" << text << "':\n"
                  << DevhostLog(instance);
    return false;
  }
  static std::string Number(const std::string& instance) {
    return VmiJson({"phone", instance}).value("number", "");
  }
  // The pid of this node's vmi-modem (its --state is under the node's dir).
  static pid_t ModemPid() {
    std::string state = node_->dir() + "/data/modem";
    auto names = ListDirectory("/proc");
    if (!names.ok()) return 0;
    for (const auto& n : *names) {
      if (n.find_first_not_of("0123456789") != std::string::npos) continue;
      auto cmd = ReadFile("/proc/" + n + "/cmdline");
      if (cmd.ok() && cmd->find("vmi-modem") != std::string::npos &&
          cmd->find(state) != std::string::npos && cmd->find("setsid") == std::string::npos)
        return static_cast<pid_t>(std::stoi(n));
    }
    return 0;
  }

  static inline Node* node_ = nullptr;
  static inline CliUser* user_ = nullptr;
  static inline bool ready_ = false;
};

// The path of the first call mmcli lists with `what` in its line.
std::string CallPath(const std::string& list, const std::string& what) {
  std::smatch m;
  std::regex re("(/org/freedesktop/ModemManager1/Call/[0-9]+) " + what);
  return std::regex_search(list, m, re) ? m[1].str() : "";
}

TEST_F(TelephonyTest, EachInstanceHasARegisteredModemWithItsNumber) {
  std::string a = Number("tel-a"), b = Number("tel-b");
  EXPECT_TRUE(std::regex_match(a, std::regex("\\+1555010[0-9]{4}"))) << a;
  EXPECT_NE(a, b);
  std::string info = WaitFor("tel-a", "mmcli -m any", "state: registered", 180s);
  EXPECT_NE(info.find(a), std::string::npos) << info;
  EXPECT_NE(info.find("operator name: vmi"), std::string::npos) << info;
  WaitFor("tel-b", "mmcli -m any", "state: registered", 180s);
  // The number is on inspect's phone line and stays the instance's.
  EXPECT_EQ(Number("tel-a"), a);
}

TEST_F(TelephonyTest, ACallsBWhoAnswersThenHangsUp) {
  std::string b = Number("tel-b");
  WaitFor("tel-a", "mmcli -m any", "state: registered", 180s);
  WaitFor("tel-b", "mmcli -m any", "state: registered", 180s);
  // Follow the event stream meanwhile.
  SpawnOptions so;
  so.capture_stdout = true;
  auto events = ChildProcess::Spawn({BinDir() + "/vmi", "--server", node_->unix_socket(), "--json",
                                     "events", "--instance", "tel-b", "--count", "6"},
                                    so);
  ASSERT_TRUE(events.ok());

  std::string created = Sh("tel-a", "mmcli -m any --voice-create-call number=" + b);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(created, m, std::regex("/org/freedesktop/ModemManager1/Call/[0-9]+")))
      << created;
  std::string a_call = m[0].str();
  EXPECT_NE(Sh("tel-a", "mmcli -m any -o " + a_call + " --start").find("successfully"),
            std::string::npos);

  // B rings: in its ModemManager and in the API.
  std::string list = WaitFor("tel-b", "mmcli -m any --voice-list-calls", "incoming \\(ringing-in\\)");
  std::string b_call = CallPath(list, "incoming \\(ringing-in\\)");
  ASSERT_FALSE(b_call.empty()) << list;
  Json calls = VmiJson({"call", "tel-b"});
  ASSERT_EQ(calls.size(), 1u) << calls;
  EXPECT_EQ(calls[0]["state"], "incoming");
  EXPECT_EQ(calls[0]["peer"], Number("tel-a"));

  EXPECT_NE(Sh("tel-b", "mmcli -m any -o " + b_call + " --accept").find("successfully"),
            std::string::npos);
  WaitFor("tel-b", "mmcli -m any -o " + b_call, "state: active");
  WaitFor("tel-a", "mmcli -m any -o " + a_call, "state: active", 30s);
  EXPECT_EQ(VmiJson({"call", "tel-a"})[0]["state"], "active");
  // The two sound cards are in in-call mode: each instance's device host
  // has a link to the other's (what a link carries is tested by the audio
  // suite's CallLink tests).
  auto log = ReadFile(node_->dir() + "/daemon.log");
  ASSERT_TRUE(log.ok());
  EXPECT_NE(log->find("in-call audio with"), std::string::npos);
  const std::string id_a = Id("tel-a"), id_b = Id("tel-b");
  WaitForLog("tel-a", "call link with " + id_b + " up");
  WaitForLog("tel-b", "call link with " + id_a + " up");
  // A's device host crashes mid-call: B's link sees its far end go, the
  // daemon restarts A's device host and links the two again.
  auto pid = ReadFile(node_->dir() + "/data/instances/" + id_a + "/devhost.pid");
  ASSERT_TRUE(pid.ok());
  ASSERT_EQ(kill(std::stoi(*pid), SIGKILL), 0);
  WaitForLog("tel-b", "call link with " + id_a + " ended");
  WaitForLog("tel-b", "call link with " + id_a + " up", 2);
  WaitForLog("tel-a", "call link with " + id_b + " up", 2);
  // B hangs up whether or not A's restarted device host has taken A's line
  // back yet: a release while the line has none is kept for the one that
  // takes it over.

  EXPECT_NE(Sh("tel-b", "mmcli -m any -o " + b_call + " --hangup").find("successfully"),
            std::string::npos);
  WaitFor("tel-a", "mmcli -m any -o " + a_call, "state: terminated", 30s);
  WaitFor("tel-b", "mmcli -m any -o " + b_call, "state: terminated", 30s);
  EXPECT_TRUE(VmiJson({"call", "tel-a"}).empty());
  // The hang-up ended both links (the side told second may see the first
  // hang up before it is told); blocks went both ways while they were up.
  for (const auto& [side, peer, ends] :
       {std::tuple{"tel-a", id_b, 1}, std::tuple{"tel-b", id_a, 2}}) {
    ASSERT_TRUE(WaitForLog(side, "call link with " + peer + " ended", ends));
    std::string l = DevhostLog(side);
    std::regex ended("call link with " + peer + " ended \\([^)]*\\): ([0-9]+) blocks sent, ([0-9]+) received");
    std::smatch last;
    for (auto it = std::sregex_iterator(l.begin(), l.end(), ended); it != std::sregex_iterator(); ++it)
      last = *it;
    ASSERT_FALSE(last.empty()) << l;
    EXPECT_GT(std::stoul(last[1].str()), 10u) << side;
    EXPECT_GT(std::stoul(last[2].str()), 10u) << side;
  }
  auto st = events->WaitOrKill(20s);
  ASSERT_TRUE(st.ok());
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(events->stdout_pipe().get(), buf, sizeof buf)) > 0) out.append(buf, n);
  for (const char* type : {"phone.call.ringing", "phone.call.active", "phone.call.ended"})
    EXPECT_NE(out.find(type), std::string::npos) << type << " not in\n" << out;
}

TEST_F(TelephonyTest, ALongNonLatinSmsArrivesWhole) {
  std::string b = Number("tel-b");
  WaitFor("tel-a", "mmcli -m any", "state: registered", 180s);
  WaitFor("tel-b", "mmcli -m any", "state: registered", 180s);
  std::string text;
  const char* words[] = {"Привет", "мир", "こんにちは", "世界", "телефон", "短信"};
  for (int i = 0; text.size() < 2000; ++i) {
    std::string next = text + (text.empty() ? "" : " ") + words[i % 6];
    // Count characters (UTF-8 lead bytes), stop at 300.
    size_t chars = 0;
    for (unsigned char c : next) chars += (c & 0xC0) != 0x80;
    if (chars > 300) break;
    text = next;
  }
  size_t chars = 0;
  for (unsigned char c : text) chars += (c & 0xC0) != 0x80;
  while (chars < 300) {
    text += "ж";
    ++chars;
  }
  std::string created = Sh("tel-a", "mmcli -m any --messaging-create-sms=\"text='" + text +
                                        "',number='" + b + "'\"");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(created, m, std::regex("/org/freedesktop/ModemManager1/SMS/[0-9]+")))
      << created;
  std::string sent = Sh("tel-a", "mmcli -m any -s " + m[0].str() + " --send");
  EXPECT_NE(sent.find("successfully"), std::string::npos) << sent;

  // B's ModemManager reassembles the parts into one received message.
  std::string list = WaitFor("tel-b", "mmcli -m any --messaging-list-sms", "\\(received\\)");
  std::smatch sm;
  ASSERT_TRUE(std::regex_search(list, sm, std::regex("(/org/freedesktop/ModemManager1/SMS/[0-9]+) \\(received\\)")));
  std::string shown = WaitFor("tel-b", "mmcli -m any -s " + sm[1].str(), "number: \\+");
  std::string compact;
  for (char c : shown)
    if (c != '\n' && c != ' ' && c != '|') compact += c;
  std::string want;
  for (char c : text)
    if (c != ' ') want += c;
  EXPECT_NE(compact.find(want), std::string::npos) << shown;

  // The API shows it whole on both sides.
  Json in = VmiJson({"sms", "tel-b"});
  bool found = false;
  for (const auto& msg : in)
    found |= msg["direction"] == "in" && msg["text"] == text && msg["complete"] == true;
  EXPECT_TRUE(found) << in.dump();
}

TEST_F(TelephonyTest, UnknownNumbersFailAtOnceWithTheRightCause) {
  CliRun call = Vmi({"call", "tel-a", "+4930123456"});
  EXPECT_EQ(call.code, 1);
  EXPECT_NE(call.err.find("unassigned number"), std::string::npos) << call.err;
  WaitFor("tel-a", "mmcli -m any", "state: registered", 180s);
  std::string created = Sh("tel-a", "mmcli -m any --voice-create-call number=+4930123456");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(created, m, std::regex("/org/freedesktop/ModemManager1/Call/[0-9]+")));
  auto t0 = std::chrono::steady_clock::now();
  Sh("tel-a", "mmcli -m any -o " + m[0].str() + " --start");
  WaitFor("tel-a", "mmcli -m any -o " + m[0].str(), "state: terminated", 30s);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 20s);  // never a hang
  EXPECT_TRUE(VmiJson({"call", "tel-a"}).empty());
}

TEST_F(TelephonyTest, ModemServiceKilledMidCallEndsTheCallAndKeepsSms) {
  WaitFor("tel-b", "mmcli -m any", "state: registered", 180s);
  ASSERT_EQ(Vmi({"sms", "tel-b", "--from", "+4930123456", "kept", "across", "a", "kill"}).code, 0);
  ASSERT_EQ(Vmi({"call", "tel-b", "--from", "+4930123456"}).code, 0);
  WaitFor("tel-b", "mmcli -m any --voice-list-calls", "ringing-in");
  pid_t pid = ModemPid();
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  // The guest sees the call end; the daemon brings the service back.
  WaitFor("tel-b", "mmcli -m any --voice-list-calls", "No calls were found|terminated", 60s);
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (ModemPid() == 0 || ModemPid() == pid) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "vmi-modem was not restarted";
    std::this_thread::sleep_for(200ms);
  }
  Json msgs = VmiJson({"sms", "tel-b"});
  bool kept = false;
  for (const auto& msg : msgs) kept |= msg["text"] == "kept across a kill";
  EXPECT_TRUE(kept) << msgs.dump();
  EXPECT_TRUE(VmiJson({"call", "tel-b"}).empty());
  // And calls work again, once B's device host has reconnected its line to
  // the restarted service (it retries on its own).
  CliRun again;
  for (auto until = std::chrono::steady_clock::now() + 30s;;) {
    again = Vmi({"call", "tel-b", "--from", "+4930123456"});
    if (again.code == 0 || std::chrono::steady_clock::now() > until) break;
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_EQ(again.code, 0) << again.err;
  WaitFor("tel-b", "mmcli -m any --voice-list-calls", "ringing-in", 60s);
  EXPECT_EQ(Vmi({"call", "tel-b", "--hangup", "0"}).code, 0);
}

// The daemon dies (SIGKILL) in a call and is started again. vmi-modem and
// the device hosts are not its children: the call carries on, is still
// listed by the restarted daemon and ends cleanly at hang-up on both sides,
// and an SMS the API accepted before the kill is still there.
TEST_F(TelephonyTest, DaemonKilledMidCallKeepsTheCallAndAcceptedSms) {
  const std::string b = Number("tel-b");
  WaitFor("tel-a", "mmcli -m any", "state: registered", 180s);
  WaitFor("tel-b", "mmcli -m any", "state: registered", 180s);
  ASSERT_EQ(Vmi({"sms", "tel-b", "--from", "+4930123458", "accepted", "before", "the", "kill"}).code, 0);
  // The call is placed and answered by the guests' ModemManagers, as a
  // phone app does.
  std::string created = Sh("tel-a", "mmcli -m any --voice-create-call number=" + b);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(created, m, std::regex("/org/freedesktop/ModemManager1/Call/[0-9]+")))
      << created;
  const std::string a_call = m[0].str();
  EXPECT_NE(Sh("tel-a", "mmcli -m any -o " + a_call + " --start").find("successfully"), std::string::npos);
  std::string list = WaitFor("tel-b", "mmcli -m any --voice-list-calls", "incoming \\(ringing-in\\)");
  const std::string b_call = CallPath(list, "incoming \\(ringing-in\\)");
  ASSERT_FALSE(b_call.empty()) << list;
  EXPECT_NE(Sh("tel-b", "mmcli -m any -o " + b_call + " --accept").find("successfully"), std::string::npos);
  WaitFor("tel-a", "mmcli -m any -o " + a_call, "state: active", 30s);
  const pid_t modem = ModemPid();

  std::string error;
  ASSERT_TRUE(node_->KillAndRestart(&error)) << error;
  EXPECT_EQ(ModemPid(), modem) << "the network was restarted with the daemon";
  Json calls = VmiJson({"call", "tel-a"});
  ASSERT_EQ(calls.size(), 1u) << calls;
  EXPECT_EQ(calls[0]["state"], "active");
  EXPECT_EQ(calls[0]["peer"], b);
  EXPECT_NE(Sh("tel-b", "mmcli -m any -o " + b_call).find("state: active"), std::string::npos);

  EXPECT_NE(Sh("tel-b", "mmcli -m any -o " + b_call + " --hangup").find("successfully"), std::string::npos);
  WaitFor("tel-a", "mmcli -m any -o " + a_call, "state: terminated", 30s);
  WaitFor("tel-b", "mmcli -m any -o " + b_call, "state: terminated", 30s);
  EXPECT_TRUE(VmiJson({"call", "tel-a"}).empty());
  EXPECT_TRUE(VmiJson({"call", "tel-b"}).empty());
  bool kept = false;
  for (const auto& msg : VmiJson({"sms", "tel-b"})) kept |= msg["text"] == "accepted before the kill";
  EXPECT_TRUE(kept);
}

// The phone apps of the app grid, driven by the instances' own modems:
// GNOME Calls in A places a call (as a tel: link or the dial pad does), B
// answers through the API, A's Calls shows it active and hangs up; Chatty
// in B receives an SMS that A's ModemManager sent. Both apps run as they do
// on a phone: started once on the session's bus (`--daemon`), and the
// second `gnome-calls --dial` goes to that running instance.
TEST_F(TelephonyTest, GnomeCallsPlacesACallAndChattyReceivesAnSms) {
  const std::string a = Number("tel-a"), b = Number("tel-b");
  WaitFor("tel-a", "mmcli -m any", "state: registered", 180s);
  WaitFor("tel-b", "mmcli -m any", "state: registered", 180s);
  // What the session's services have (exec gets the instance's bare env).
  const std::string session =
      "export XDG_RUNTIME_DIR=/run/user/0 DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/0/bus; ";
  // One SMS waits in B's modem for Chatty. Chatty deletes every message it
  // takes at once, and ModemManager refuses a Delete while another holds
  // the SMS storage, so of several waiting messages only the first would
  // leave the modem: the earlier tests' messages are deleted here first.
  const std::regex sms_path("/org/freedesktop/ModemManager1/SMS/[0-9]+");
  std::string earlier = Sh("tel-b", "mmcli -m any --messaging-list-sms");
  for (std::sregex_iterator it(earlier.begin(), earlier.end(), sms_path), end; it != end; ++it)
    Sh("tel-b", "mmcli -m any --messaging-delete-sms=" + it->str());
  WaitFor("tel-b", "mmcli -m any --messaging-list-sms", "No sms messages were found");
  ASSERT_EQ(Vmi({"sms", "tel-b", "--from", "+4930123457", "waiting", "for", "Chatty"}).code, 0);
  WaitFor("tel-b", "mmcli -m any --messaging-list-sms", "\\(received\\)");
  // Chatty says when it has found ModemManager in its debug log only.
  std::string calls_pid =
      Sh("tel-a", session + "setsid gnome-calls --daemon >/tmp/gnome-calls.log 2>&1 </dev/null & echo -n $!");
  std::string chatty_pid = Sh("tel-b", session + "G_MESSAGES_DEBUG=all setsid chatty --daemon "
                                                 ">/tmp/chatty.log 2>&1 </dev/null & echo -n $!");
  // Calls enables its "dial" action once ModemManager's modem is one of its
  // origins; `--dial` before that is dropped without a word (that is why a
  // freshly started `gnome-calls --dial` placed no call).
  const std::string gdbus = session + "gdbus call --session --dest org.gnome.Calls --object-path /org/gnome/Calls";
  WaitFor("tel-a", gdbus + " --method org.gtk.Actions.Describe dial", "^\\(\\(true,", 60s);
  Sh("tel-a", session + "gnome-calls --dial " + b);

  // B rings with A's number; A's Calls has the outgoing call.
  auto deadline = std::chrono::steady_clock::now() + 30s;
  Json in;
  while (std::chrono::steady_clock::now() < deadline) {
    in = VmiJson({"call", "tel-b"});
    if (!in.empty()) break;
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_EQ(in.size(), 1u) << in << Sh("tel-a", "tail -20 /tmp/gnome-calls.log");
  EXPECT_EQ(in[0]["state"], "incoming");
  EXPECT_EQ(in[0]["peer"], a);
  const std::string objects = gdbus + " --method org.freedesktop.DBus.ObjectManager.GetManagedObjects";
  std::string mine = WaitFor("tel-a", objects, "'Id': <'\\" + b + "'>");
  EXPECT_NE(mine.find("'Inbound': <false>"), std::string::npos) << mine;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(mine, m, std::regex("/org/gnome/Calls/Call/[0-9]+"))) << mine;
  const std::string call_object = m[0].str();

  // B answers: Calls shows the call active (its UI state 1).
  ASSERT_EQ(Vmi({"call", "tel-b", "--answer"}).code, 0);
  WaitFor("tel-a", objects, "'State': <uint32 1>", 30s);
  EXPECT_EQ(VmiJson({"call", "tel-a"})[0]["state"], "active");
  // A hangs up in Calls (its call's Hangup, what the red button does): B's
  // call ends, and Calls keeps the call in its history as answered.
  Sh("tel-a", session + "gdbus call --session --dest org.gnome.Calls --object-path " + call_object +
                  " --method org.gnome.Calls.Call.Hangup");
  deadline = std::chrono::steady_clock::now() + 30s;
  while (!VmiJson({"call", "tel-b"}).empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(200ms);
  EXPECT_TRUE(VmiJson({"call", "tel-b"}).empty());
  WaitFor("tel-a",
          "sqlite3 /root/.local/share/calls/records.db \"select target, inbound, answered is not null, "
          "\\\"end\\\" is not null from calls\"",
          "\\" + b + "\\|0\\|1\\|1");

  // Chatty in B takes ModemManager's received SMS into its history (and off
  // the modem, as on a phone): first the one that waited, then A's.
  WaitFor("tel-b", "grep -c 'Modem Manager appeared' /tmp/chatty.log", "^[1-9]", 60s);
  const std::string history =
      "sqlite3 /root/.purple/chatty/db/chatty-history.db \"select users.username, messages.direction, "
      "messages.body from messages join users on users.id = messages.sender_id\"";
  WaitFor("tel-b", history, "\\+4930123457\\|1\\|waiting for Chatty", 60s);
  std::string left = WaitFor("tel-b", "mmcli -m any --messaging-list-sms", "No sms messages were found", 60s);
  for (std::sregex_iterator it(left.begin(), left.end(), sms_path), end;
       it != end; ++it)
    ADD_FAILURE() << "left on B's modem: " << Sh("tel-b", "mmcli -m any -s " + it->str()) << "\nchatty:\n"
                  << Sh("tel-b", "grep -i -E 'sms|message|error|warn' /tmp/chatty.log | tail -40");
  const std::string text = "Звонок из GNOME Calls и ответ в Chatty";
  std::string created = Sh("tel-a", "mmcli -m any --messaging-create-sms=\"text='" + text + "',number='" + b + "'\"");
  ASSERT_TRUE(std::regex_search(created, m, std::regex("/org/freedesktop/ModemManager1/SMS/[0-9]+"))) << created;
  EXPECT_NE(Sh("tel-a", "mmcli -m any -s " + m[0].str() + " --send").find("successfully"), std::string::npos);
  WaitFor("tel-b", history, "\\" + a + "\\|1\\|" + text, 60s);
  WaitFor("tel-b", "mmcli -m any --messaging-list-sms", "No sms messages were found");
  bool in_api = false;
  for (const auto& msg : VmiJson({"sms", "tel-b"})) in_api |= msg["direction"] == "in" && msg["text"] == text;
  EXPECT_TRUE(in_api);

  for (auto [who, pid] : {std::pair{"tel-a", calls_pid}, std::pair{"tel-b", chatty_pid}})
    Sh(who, "kill " + pid);
}

}  // namespace
}  // namespace vmi::testing
