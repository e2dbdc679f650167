// Real-process tests: vmi-init runs as PID 1 of a fresh pid namespace
// (unshare --pid --fork --mount-proc, as root) with a test manifest.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

#include "base/child_process.h"
#include "base/file.h"
#include "base/pidfd.h"
#include "base/temp_dir.h"
#include "guest/init/state_file.h"

namespace vmi::guest {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string ReadOr(const std::string& path) {
  auto r = ReadFile(path);
  return r.ok() ? *r : std::string();
}

struct Line {
  std::string state;
  int pid = 0;
  int restarts = 0;
};

std::map<std::string, Line> ParseState(const std::string& text) {
  std::map<std::string, Line> out;
  std::istringstream in(text);
  std::string name;
  Line l;
  while (in >> name >> l.state >> l.pid >> l.restarts) out[name] = l;
  return out;
}

std::vector<pid_t> ChildrenOf(pid_t pid) {
  std::vector<pid_t> out;
  auto text =
      ReadFile("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  if (!text.ok()) return out;
  std::istringstream in(*text);
  pid_t p;
  while (in >> p) out.push_back(p);
  return out;
}

// "S", "Z", ... and the command name of a host pid; empty if gone.
std::pair<std::string, std::string> StateAndComm(pid_t pid) {
  auto stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (!stat.ok()) return {};
  size_t open = stat->find('('), close = stat->rfind(')');
  if (open == std::string::npos || close == std::string::npos) return {};
  return {stat->substr(close + 2, 1), stat->substr(open + 1, close - open - 1)};
}

class VmiInitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root for unshare --pid";
    auto tmp = TempDir::Create("vmi-init-test");
    ASSERT_TRUE(tmp.ok()) << tmp.error().ToString();
    tmp_ = std::move(*tmp);
    dir_ = tmp_.path();
  }
  void TearDown() override {
    if (init_pidfd_ >= 0) {
      SignalPidfd(init_pidfd_, SIGKILL).ok();
      close(init_pidfd_);
    }
    unshare_.reset();
  }

  // An empty manifest means "no manifest file"; extra args follow the
  // options (e.g. {"--", "cmd"}).
  void Start(const std::string& manifest, std::vector<std::string> env = {},
             std::vector<std::string> extra = {}) {
    if (!manifest.empty()) {
      ASSERT_TRUE(WriteFile(dir_ + "/session.json", manifest).ok());
    }
    log_fd_ = UniqueFd(open((dir_ + "/console.log").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    SpawnOptions o;
    o.env = std::move(env);
    o.env.push_back("TESTDIR=" + dir_);
    o.stdout_fd = log_fd_.get();
    o.stderr_fd = log_fd_.get();
    std::vector<std::string> argv = {"unshare",
                                     "--pid",
                                     "--fork",
                                     "--mount-proc",
                                     VMI_INIT_BINARY,
                                     "--manifest",
                                     dir_ + "/session.json",
                                     "--state",
                                     dir_ + "/session.state"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto c = ChildProcess::Spawn(argv, o);
    ASSERT_TRUE(c.ok()) << c.error().ToString();
    unshare_.emplace(std::move(c).value());
    for (auto deadline = Clock::now() + 10s; Clock::now() < deadline;) {
      auto kids = ChildrenOf(unshare_->pid());
      if (!kids.empty()) {
        init_pid_ = kids[0];
        if (auto fd = OpenPidfd(init_pid_); fd.ok()) init_pidfd_ = fd->release();
        return;
      }
      // A vmi-init that exits at once (bad manifest) leaves unshare a zombie.
      if (StateAndComm(unshare_->pid()).first == "Z") return;
      std::this_thread::sleep_for(5ms);
    }
    FAIL() << "vmi-init did not start: " << Console();
  }

  std::string Console() { return ReadOr(dir_ + "/console.log"); }
  std::map<std::string, Line> State() { return ParseState(ReadOr(dir_ + "/session.state")); }

  // Polls until pred(state) holds; returns false after `timeout`.
  bool WaitFor(std::function<bool(std::map<std::string, Line>&)> pred,
               std::chrono::milliseconds timeout = 20s) {
    for (auto deadline = Clock::now() + timeout; Clock::now() < deadline;) {
      auto s = State();
      if (pred(s)) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  TempDir tmp_;
  std::string dir_;
  UniqueFd log_fd_;
  std::optional<ChildProcess> unshare_;
  pid_t init_pid_ = -1;
  int init_pidfd_ = -1;
};

TEST_F(VmiInitTest, CrashingServiceIsRestartedWithBackoff) {
  Start(R"({"restart_backoff": {"initial_ms": 100, "max_ms": 400, "reset_after_ms": 60000},
    "services": [
      {"name": "crash", "argv": ["/bin/sh", "-c", "date +%s%N >> ${TESTDIR}/starts; exit 3"]},
      {"name": "done", "argv": ["/bin/sh", "-c", "exit 0"], "restart": "on-failure"},
      {"name": "once", "argv": ["/bin/sh", "-c", "exit 4"], "restart": "never"}
    ]})");
  ASSERT_TRUE(WaitFor([](auto& s) { return s["crash"].restarts >= 5; })) << Console();
  auto s = State();
  EXPECT_EQ(s["done"].state, "exited");
  EXPECT_EQ(s["done"].restarts, 0);
  EXPECT_EQ(s["once"].state, "failed");
  EXPECT_EQ(s["once"].restarts, 0);

  // Gaps between starts are at least the backoff: 100, 200, 400, 400 ms.
  std::ifstream in(dir_ + "/starts");
  std::vector<long long> starts;
  long long t;
  while (in >> t) starts.push_back(t);
  ASSERT_GE(starts.size(), 5u);
  const long long expected_ms[] = {100, 200, 400, 400};
  for (size_t i = 0; i < 4; ++i) {
    long long gap_ms = (starts[i + 1] - starts[i]) / 1000000;
    EXPECT_GE(gap_ms, expected_ms[i] - 5) << "gap " << i;
  }
  EXPECT_NE(Console().find("restarting crash in 400 ms"), std::string::npos) << Console();
}

TEST_F(VmiInitTest, OrphanedZombiesAreReaped) {
  // Each "( cmd & )" leaves cmd an orphan: it reparents to PID 1.
  Start(R"({"services": [{"name": "spawner", "argv": ["/bin/sh", "-c",
      "(sleep 300 &); for i in 1 2 3 4 5 6 7 8 9 10; do (sh -c 'exit 0' &); (sleep 0.1 &); done; touch ${TESTDIR}/spawned; exec sleep 300"]}]})");
  ASSERT_GT(init_pid_, 0);
  ASSERT_TRUE(WaitFor([&](auto&) { return PathExists(dir_ + "/spawned"); })) << Console();
  // The long-lived orphan shows that orphans really reparent to vmi-init;
  // the short-lived ones must not stay zombies.
  // The service itself ("exec sleep 300") is a child too: count it apart.
  bool ok = false;
  int zombies = 0, orphan_sleeps = 0, kids = 0;
  for (auto deadline = Clock::now() + 20s; Clock::now() < deadline && !ok;) {
    zombies = orphan_sleeps = kids = 0;
    for (pid_t kid : ChildrenOf(init_pid_)) {
      auto [state, comm] = StateAndComm(kid);
      ++kids;
      if (state == "Z") ++zombies;
      if (comm == "sleep") ++orphan_sleeps;
    }
    ok = zombies == 0 && orphan_sleeps == 2 && kids == 2;
    if (!ok) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(ok) << "children of vmi-init: " << kids << ", zombies " << zombies << ", sleeps "
                  << orphan_sleeps;
  auto s = State();
  EXPECT_EQ(s["spawner"].state, "ready");
}

TEST_F(VmiInitTest, SigtermStopsEverythingWithinTheDeadline) {
  Start(R"({"services": [
      {"name": "stubborn", "argv": ["/bin/sh", "-c",
        "trap '' TERM; touch ${TESTDIR}/trapped; while :; do sleep 0.05; done"]},
      {"name": "polite", "argv": ["sleep", "300"], "after": ["stubborn"]}
    ]})",
        {"VMI_STOP_TIMEOUT_MS=1000"});
  ASSERT_TRUE(WaitFor([&](auto& s) {
    return s["polite"].state == "ready" && PathExists(dir_ + "/trapped");
  })) << Console();
  ASSERT_GT(init_pid_, 0);
  auto begin = Clock::now();
  ASSERT_TRUE(SignalPidfd(init_pidfd_, SIGTERM).ok());
  // unshare exits with vmi-init's status. Without the SIGKILL after the
  // deadline this would hang (stubborn ignores SIGTERM) and WaitOrKill fails.
  auto status = unshare_->WaitOrKill(30s);
  ASSERT_TRUE(status.ok());
  auto elapsed = Clock::now() - begin;
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << DescribeWaitStatus(*status);
  EXPECT_LT(elapsed, 25s);
  EXPECT_GE(elapsed, 1s - 50ms);  // the stubborn service had its full grace period
  std::string log = Console();
  size_t polite = log.find("SIGTERM to polite"), stubborn = log.find("SIGTERM to stubborn");
  ASSERT_NE(polite, std::string::npos) << log;
  ASSERT_NE(stubborn, std::string::npos) << log;
  EXPECT_LT(polite, stubborn) << "not in reverse start order";
  EXPECT_NE(log.find("stubborn (pid"), std::string::npos);
  EXPECT_NE(log.find("ignored SIGTERM"), std::string::npos) << log;
  auto s = State();
  EXPECT_EQ(s["polite"].state, "stopped");
  EXPECT_EQ(s["stubborn"].state, "stopped");
  EXPECT_EQ(s["stubborn"].pid, 0);
  // Nothing of the namespace survives.
  EXPECT_EQ(kill(init_pid_, 0), -1);
}

TEST_F(VmiInitTest, ReadinessOrdersStartsAndTimesOut) {
  // A stale readiness file must be removed before the server starts, or the
  // client would start too early.
  ASSERT_TRUE(WriteFile(dir_ + "/sock", "stale\n").ok());
  Start(R"({"services": [
      {"name": "server", "argv": ["/bin/sh", "-c", "sleep 0.3; echo fresh > ${TESTDIR}/sock.tmp; mv ${TESTDIR}/sock.tmp ${TESTDIR}/sock; exec sleep 300"],
       "remove_before_start": ["${TESTDIR}/sock"],
       "ready": {"path": "${TESTDIR}/sock", "timeout_ms": 20000}},
      {"name": "client", "after": ["server"], "argv": ["/bin/sh", "-c",
        "if grep -q fresh ${TESTDIR}/sock; then echo after > ${TESTDIR}/client; else echo before > ${TESTDIR}/client; fi; exec sleep 300"]},
      {"name": "never-ready", "restart": "never", "argv": ["sleep", "300"],
       "ready": {"path": "${TESTDIR}/nothing", "timeout_ms": 200}},
      {"name": "blocked", "after": ["never-ready"], "argv": ["sleep", "300"]}
    ]})");
  ASSERT_TRUE(WaitFor([&](auto& s) {
    return s["client"].state == "ready" && s["never-ready"].state == "failed" &&
           ReadOr(dir_ + "/client").size() > 0;
  })) << Console();
  EXPECT_EQ(ReadOr(dir_ + "/client"), "after\n");
  auto s = State();
  EXPECT_EQ(s["server"].state, "ready");
  EXPECT_GT(s["server"].pid, 0);
  EXPECT_EQ(s["blocked"].state, "waiting");
  EXPECT_EQ(s["blocked"].pid, 0);
  EXPECT_NE(Console().find("never-ready not ready after 200 ms"), std::string::npos) << Console();
}

TEST_F(VmiInitTest, CommandProbeGatesDependents) {
  // The probe succeeds only once the server wrote its marker; the client
  // must see the marker when it starts.
  Start(R"({"services": [
      {"name": "server", "argv": ["/bin/sh", "-c", "sleep 0.3; echo up > ${TESTDIR}/up.tmp; mv ${TESTDIR}/up.tmp ${TESTDIR}/up; exec sleep 300"],
       "ready": {"command": ["/bin/sh", "-c", "grep -q up ${TESTDIR}/up"], "interval_ms": 20, "timeout_ms": 20000}},
      {"name": "client", "after": ["server"], "argv": ["/bin/sh", "-c",
        "cat ${TESTDIR}/up > ${TESTDIR}/client.tmp; mv ${TESTDIR}/client.tmp ${TESTDIR}/client; exec sleep 300"]}
    ]})");
  ASSERT_TRUE(WaitFor([&](auto& s) {
    return s["client"].state == "ready" && PathExists(dir_ + "/client");
  })) << Console();
  EXPECT_EQ(ReadOr(dir_ + "/client"), "up\n");
  EXPECT_EQ(State()["server"].state, "ready");
}

TEST_F(VmiInitTest, OneShotSessionExitsWithItsServices) {
  Start(R"({"services": [{"name": "a", "argv": ["true"], "restart": "never"},
                         {"name": "b", "argv": ["/bin/sh", "-c", "exit 0"], "after": ["a"]}]})");
  auto status = unshare_->WaitOrKill(20s);
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << DescribeWaitStatus(*status);
  auto s = State();
  EXPECT_EQ(s["a"].state, "exited");
  EXPECT_EQ(s["b"].state, "exited");
}

TEST_F(VmiInitTest, CommandWithoutManifestExitsWithItsStatus) {
  Start("", {}, {"--", "/bin/sh", "-c", "echo ran > $TESTDIR/ran; exit 7"});
  auto status = unshare_->WaitOrKill(20s);
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 7)
      << DescribeWaitStatus(*status) << Console();
  EXPECT_EQ(ReadOr(dir_ + "/ran"), "ran\n");
  EXPECT_EQ(State()["main"].state, "failed");
}

// VMI_EXEC_SOCKET (a phone's Pod): vmi-init starts the exec agent there,
// and the agent, an auxiliary service, does not keep a one-shot session
// alive: vmi-init still exits with the command's status.
TEST_F(VmiInitTest, ExecAgentServesBesideAOneShotCommand) {
  Start("", {"VMI_EXEC_SOCKET=" + dir_ + "/exec.sock"},
        {"--", "/bin/sh", "-c",
         "for i in $(seq 200); do [ -S \"$VMI_EXEC_SOCKET\" ] && exit 5; sleep 0.05; done; exit 9"});
  auto status = unshare_->WaitOrKill(30s);
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 5)
      << DescribeWaitStatus(*status) << Console();
}

TEST_F(VmiInitTest, CommandRunsBesideTheManifest) {
  Start(R"({"services": [{"name": "svc", "argv": ["sleep", "300"],
            "ready": {"path": "/"}}]})",
        {}, {"--", "sleep", "300"});
  ASSERT_TRUE(WaitFor([](auto& s) {
    return s["svc"].state == "ready" && s["main"].state == "ready";
  })) << Console();
}

TEST_F(VmiInitTest, BadManifestFailsClearly) {
  Start(R"({"services": [{"name": "x", "argv": ["${UNDEFINED_THING}"]}]})");
  auto status = unshare_->WaitOrKill(20s);
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1);
  EXPECT_NE(Console().find("UNDEFINED_THING is not set"), std::string::npos) << Console();
}

}  // namespace
}  // namespace vmi::guest
