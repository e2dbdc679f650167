// Real containers through the real daemon and CLI: isolation, limits,
// persistence across stop/start and daemon crashes, the guest session,
// rollback after injected failures, bad input and concurrent calls.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <thread>

#include "base/child_process.h"
#include "base/file.h"
#include "base/unique_fd.h"
#include "daemon_fixture.h"

namespace vmi::testing {
namespace {

class RuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!IsRoot()) GTEST_SKIP() << "needs root";
    daemon_ = std::make_unique<Daemon>();
    ASSERT_TRUE(daemon_->Start()) << ReadFile(daemon_->data_dir() + "/daemon.log").value();
    daemon_->Ok({"image", "build", "linux-mobile"});
  }
  void TearDown() override {
    if (daemon_) daemon_->Purge();
  }
  std::string Create(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"create", "--memory", "512M", "--cpus", "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string out = daemon_->Ok(args);
    return std::string(Trim(out));
  }
  std::unique_ptr<Daemon> daemon_;
};

std::vector<std::string> MountsUnder(const std::string& dir) {
  std::vector<std::string> out;
  auto info = ReadFile("/proc/self/mountinfo");
  for (const auto& line : Split(*info, '\n')) {
    auto f = Split(line, ' ');
    if (f.size() > 4 && f[4].rfind(dir, 0) == 0) out.push_back(f[4]);
  }
  return out;
}

std::set<std::string> HostInterfaces() {
  std::set<std::string> out;
  auto r = Run({"ip", "-o", "link", "show"});
  for (const auto& line : Split(r->out, '\n')) {
    auto f = Split(line, ':');
    if (f.size() > 1) out.insert(std::string(Trim(Split(f[1], '@')[0])));
  }
  return out;
}

bool CgroupExists(const std::string& id) {
  for (const char* c : {"memory", "pids", "cpu"})
    if (PathExists(std::string("/sys/fs/cgroup/") + c + "/vmi/" + id)) return true;
  return IsDirectory("/sys/fs/cgroup/vmi/" + id);
}

TEST_F(RuntimeTest, IsolationOfProcessesFilesAndNetwork) {
  std::string a = Create({"--name", "iso-a"});
  std::string b = Create({"--name", "iso-b"});
  daemon_->Ok({"start", a, b});

  // Processes: the guest sees only its own (a handful), never host ones.
  auto [rc, ps] = daemon_->Exec(a, {"sh", "-c", "ls /proc | grep -c '^[0-9]'"});
  ASSERT_EQ(rc, 0) << ps;
  EXPECT_LT(std::stoi(ps), 40) << "guest sees too many processes";
  auto [rc1, pid1] = daemon_->Exec(a, {"sh", "-c", "echo $$; cat /proc/1/cmdline | tr '\\0' ' '"});
  EXPECT_NE(pid1.find("vmi-init"), std::string::npos) << pid1;
  // The daemon's pid does not exist inside.
  auto [rc2, host] = daemon_->Exec(a, {"sh", "-c", "test -e /proc/" + std::to_string(getpid()) + "/cmdline && cat /proc/" + std::to_string(getpid()) + "/cmdline; true"});
  EXPECT_EQ(host.find("vmi_runtime_integration_test"), std::string::npos);

  // Files: root inside cannot write host files; instances do not share files.
  auto [w1, o1] = daemon_->Exec(a, {"sh", "-c", "touch /usr/vmi-escape"});
  EXPECT_NE(w1, 0) << "wrote into the host's /usr";
  EXPECT_FALSE(PathExists("/usr/vmi-escape"));
  auto [w2, o2] = daemon_->Exec(a, {"sh", "-c", "echo secret > /root/a.txt && cat /root/a.txt"});
  EXPECT_EQ(w2, 0) << o2;
  auto [w3, o3] = daemon_->Exec(b, {"sh", "-c", "cat /root/a.txt"});
  EXPECT_NE(w3, 0) << "instance b sees a's file";
  // Guest root is an unprivileged host uid.
  auto [w4, uidmap] = daemon_->Exec(a, {"cat", "/proc/self/uid_map"});
  auto fields = Split(std::string(Trim(uidmap)), ' ');
  std::vector<std::string> nums;
  for (auto& f : fields)
    if (!f.empty()) nums.push_back(f);
  ASSERT_EQ(nums.size(), 3u) << uidmap;
  EXPECT_EQ(nums[0], "0");
  EXPECT_GE(std::stoul(nums[1]), 100000u);
  auto [w5, uidmap_b] = daemon_->Exec(b, {"cat", "/proc/self/uid_map"});
  EXPECT_NE(uidmap, uidmap_b) << "instances share a uid range";

  // Network: a and b are on the bridge but cannot reach each other or the
  // host; a connection attempt times out (no RST: not even "refused").
  std::string ip_b = daemon_->Inspect(b)["ip"];
  ASSERT_FALSE(ip_b.empty());
  auto [n1, out1] = daemon_->Exec(a, {"sh", "-c", "ip -4 -o addr show eth0; ip route"});
  EXPECT_NE(out1.find("default via"), std::string::npos) << out1;
  auto [n2, out2] = daemon_->Exec(
      a, {"timeout", "3", "bash", "-c", "echo > /dev/tcp/" + ip_b + "/22"});
  EXPECT_EQ(n2, 124) << "a reached b: " << out2;
  auto [n3, out3] = daemon_->Exec(
      a, {"timeout", "3", "bash", "-c", "echo > /dev/tcp/10.88.0.1/22"});
  EXPECT_EQ(n3, 124) << "a reached the host: " << out3;
  // Loopback inside works.
  auto [n4, out4] = daemon_->Exec(a, {"sh", "-c", "ip -o link show lo | grep -c UP"});
  EXPECT_EQ(n4, 0) << out4;
}

// lxcfs (the node's, started by the daemon) and the cpuset: `free`, `nproc`,
// /proc/cpuinfo, cpu/online and uptime show the instance, not the host; a
// crashed lxcfs is started again and its files put back into the instance.
TEST_F(RuntimeTest, GuestSeesItsOwnLimits) {
  auto info = daemon_->Json({"info"});
  if (info.value("guest_limits_view", "") != "lxcfs") {
    if (!PathExists("/usr/bin/lxcfs")) GTEST_SKIP() << "lxcfs is not installed";
    FAIL() << "lxcfs is installed but does not serve: " << info.dump();
  }
  std::string a = Create({"--name", "own-limits"});  // --memory 512M --cpus 1
  daemon_->Ok({"start", a});
  const std::vector<std::string> probe = {
      "sh", "-c",
      "free -m | awk '/^Mem:/{print $2}'; nproc; grep -c ^processor /proc/cpuinfo; "
      "cat /sys/devices/system/cpu/online; cut -d. -f1 /proc/uptime"};
  auto [rc, out] = daemon_->Exec(a, probe);
  ASSERT_EQ(rc, 0) << out;
  auto lines = Split(std::string(Trim(out)), '\n');
  ASSERT_EQ(lines.size(), 5u) << out;
  EXPECT_EQ(lines[0], "512") << "free -m";
  EXPECT_EQ(lines[1], "1") << "nproc";
  EXPECT_EQ(lines[2], "1") << "processors in /proc/cpuinfo";
  EXPECT_EQ(lines[3].find_first_of(",-"), std::string::npos) << "cpu/online: " << lines[3];
  EXPECT_LT(std::stol(lines[4]), 300) << "the instance's uptime, not the host's";

  // lxcfs dies: the daemon starts another and rebinds its files in here.
  auto pid = ReadFile("/run/vmi/lxcfs.pid");
  ASSERT_TRUE(pid.ok());
  ASSERT_EQ(kill(std::stoi(*pid), SIGKILL), 0);
  std::string again;
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto [c, o] = daemon_->Exec(a, {"sh", "-c", "free -m | awk '/^Mem:/{print $2}'"});
    again = std::string(Trim(o));
    if (c == 0 && again == "512") break;
  }
  EXPECT_EQ(again, "512") << "the view did not come back after lxcfs was restarted";
  EXPECT_EQ(daemon_->Json({"info"}).value("guest_limits_view", ""), "lxcfs");

  // Someone else (another daemon on the node, an operator) replaces lxcfs
  // before this daemon's next check: the daemon finds a live mount, but not
  // the one the instance holds, and must rebind all the same.
  pid = ReadFile("/run/vmi/lxcfs.pid");
  ASSERT_TRUE(pid.ok());
  ASSERT_EQ(kill(std::stoi(*pid), SIGKILL), 0);
  for (int i = 0; i < 50 && umount2("/run/vmi/lxcfs", MNT_DETACH) != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  // Its output goes where the daemon's lxcfs writes: inheriting ctest's pipe
  // would keep ctest waiting for as long as this lxcfs serves.
  UniqueFd log(open("/run/vmi/lxcfs.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  ASSERT_TRUE(log);
  SpawnOptions so;
  so.new_session = true;
  so.stdout_fd = log.get();
  so.stderr_fd = log.get();
  auto other = ChildProcess::Spawn(
      {"/usr/bin/lxcfs", "-f", "--enable-cfs", "-l", "-p", "/run/vmi/lxcfs.pid", "/run/vmi/lxcfs"},
      so);
  ASSERT_TRUE(other.ok()) << other.error().ToString();
  other->Detach();  // the node's lxcfs from now on, as the daemon's would be
  again.clear();
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto [c, o] = daemon_->Exec(a, {"sh", "-c", "free -m | awk '/^Mem:/{print $2}'"});
    again = std::string(Trim(o));
    if (c == 0 && again == "512") break;
  }
  EXPECT_EQ(again, "512") << "the view did not come back after lxcfs was replaced";
}

// rm --force of running instances, all at once, while the host and the
// guests are busy: no container, mount, cgroup or veth may be left behind.
TEST_F(RuntimeTest, ForcedRemovalUnderLoadLeavesNoResidue) {
  const auto before_ifs = HostInterfaces();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(Create({"--name", "stress" + std::to_string(i)}));
    daemon_->Ok({"start", ids.back()});
  }
  // Load, bounded in time: two busy loops on the host, one in each guest.
  // Each host loop is one bash process that ends by itself after 60 s: a
  // `timeout` wrapper would be what ChildProcess kills, leaving its child
  // spinning with the test's stdout open (ctest then waits for it).
  std::vector<ChildProcess> burners;
  for (int i = 0; i < 2; ++i) {
    auto b = ChildProcess::Spawn({"bash", "-c", "while [ $SECONDS -lt 60 ]; do :; done"});
    ASSERT_TRUE(b.ok());
    burners.push_back(std::move(*b));
  }
  for (const auto& id : ids) {
    auto [rc, out] = daemon_->Exec(
        id, {"sh", "-c", "timeout 60 sh -c 'while :; do :; done' >/dev/null 2>&1 &"});
    EXPECT_EQ(rc, 0) << out;
  }
  std::vector<RunOutput> removed(ids.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < ids.size(); ++i)
    threads.emplace_back([&, i] { removed[i] = daemon_->Cli({"rm", "--force", ids[i]}); });
  for (auto& t : threads) t.join();
  burners.clear();  // killed and reaped

  for (size_t i = 0; i < ids.size(); ++i) EXPECT_TRUE(removed[i].ok()) << removed[i].err;
  EXPECT_EQ(daemon_->Json({"ls"}).size(), 0u);
  EXPECT_TRUE(MountsUnder(daemon_->data_dir()).empty());
  EXPECT_EQ(HostInterfaces(), before_ifs);
  for (const auto& id : ids) {
    EXPECT_FALSE(CgroupExists(id)) << id;
    EXPECT_FALSE(vmi::Run({"crun", "state", "vmi-" + id})->ok()) << "container vmi-" << id;
    EXPECT_FALSE(IsDirectory(daemon_->data_dir() + "/instances/" + id)) << id;
  }
}

TEST_F(RuntimeTest, NetworkNoneHasOnlyLoopback) {
  std::string a = Create({"--network", "none"});
  daemon_->Ok({"start", a});
  auto [rc, out] = daemon_->Exec(a, {"sh", "-c", "ls /sys/class/net"});
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(std::string(Trim(out)), "lo");
}

TEST_F(RuntimeTest, PidsAndMemoryLimitsAreEnforcedInside) {
  std::string a = Create({"--name", "limits"});
  daemon_->Ok({"start", a});
  // A fork bomb stops at pids.max (512 by default): forks fail with EAGAIN.
  auto [rc, out] = daemon_->Exec(
      a, {"python3", "-c",
          "import os, signal, time\n"
          "pids = []\n"
          "for i in range(2000):\n"
          "    try:\n"
          "        p = os.fork()\n"
          "    except OSError:\n"
          "        break\n"
          "    if p == 0:\n"
          "        time.sleep(30)\n"
          "        os._exit(0)\n"
          "    pids.append(p)\n"
          "print('forked=%d' % len(pids))\n"
          "for p in pids:\n"
          "    os.kill(p, signal.SIGKILL)\n"
          "for p in pids:\n"
          "    os.waitpid(p, 0)\n"});
  auto pos = out.find("forked=");
  ASSERT_NE(pos, std::string::npos) << out;
  int forked = std::stoi(out.substr(pos + 7));
  EXPECT_LT(forked, 512) << "pids limit not enforced";
  EXPECT_GT(forked, 100);
  // A memory hog is OOM-killed inside its own instance; the instance lives on.
  auto [m, mout] = daemon_->Exec(
      a, {"python3", "-c", "b = bytearray(900 * 1024 * 1024); b[::4096] = b'x' * (len(b) // 4096); print('survived')"});
  EXPECT_EQ(mout.find("survived"), std::string::npos) << "a 900M allocation survived a 512M limit";
  EXPECT_NE(m, 0);
  EXPECT_EQ(daemon_->Inspect(a)["state"], "running");
  auto [ok, ok_out] = daemon_->Exec(a, {"echo", "alive"});
  EXPECT_EQ(ok, 0);
  EXPECT_NE(ok_out.find("alive"), std::string::npos);
  // The host cgroup holds the configured limits.
  auto lim = ReadFile("/sys/fs/cgroup/memory/vmi/" + a + "/memory.limit_in_bytes");
  if (lim.ok()) {
    EXPECT_EQ(std::stoll(*lim), 512LL << 20);
  }
}

TEST_F(RuntimeTest, SessionShowsTheDesktopInTheFramebuffer) {
  std::string a = Create({"--resolution", "480x800"});
  daemon_->Ok({"start", a});
  ASSERT_TRUE(daemon_->WaitDisplay(a)) << daemon_->Ok({"logs", a});
  std::string fb = daemon_->data_dir() + "/instances/" + a + "/dev/Xvfb_screen0";
  // Xvfb runs square (800x800, the larger side, so rotation fits) and the
  // session sets the instance's 480x800 inside it with RandR: the pixels are
  // the file's last 800*800*4 bytes (rows of 800 BGRX words) and the screen
  // is their top-left 480x800. Give the desktop a moment to paint, then count
  // distinct colours in that region.
  constexpr size_t kSide = 800, kW = 480, kH = 800;
  size_t distinct = 0;
  for (int i = 0; i < 50 && distinct < 8; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto data = ReadFile(fb, 64 << 20);
    ASSERT_TRUE(data.ok());
    // Pixels plus an XWD header and colormap of a few KB: square, not 480 wide.
    ASSERT_GT(data->size(), kSide * kSide * 4);
    ASSERT_LT(data->size(), kSide * kSide * 4 + 16384);
    std::set<uint32_t> colours;
    const uint32_t* px =
        reinterpret_cast<const uint32_t*>(data->data() + data->size() - kSide * kSide * 4);
    for (size_t y = 0; y < kH; y += 3)
      for (size_t x = y % 7; x < kW; x += 7) colours.insert(px[y * kSide + x] & 0xffffff);
    distinct = colours.size();
  }
  EXPECT_GE(distinct, 8u) << "framebuffer looks blank";
  auto [code, screen] = daemon_->Exec(a, {"sh", "-c", "DISPLAY=:0 xrandr --current"});
  EXPECT_EQ(code, 0) << screen;
  EXPECT_NE(screen.find("current 480 x 800, maximum 800 x 800"), std::string::npos) << screen;
  auto state = ReadFile(daemon_->data_dir() + "/instances/" + a + "/dev/session.state");
  ASSERT_TRUE(state.ok());
  for (const char* svc : {"xvfb", "window-manager", "desktop"})
    EXPECT_NE(state->find(svc), std::string::npos) << *state;
}

TEST_F(RuntimeTest, WritableLayerSurvivesStopStartAndDaemonCrash) {
  std::string a = Create({"--name", "persist"});
  daemon_->Ok({"start", a});
  auto [w, o] = daemon_->Exec(a, {"sh", "-c", "echo kept > /root/note"});
  ASSERT_EQ(w, 0) << o;
  daemon_->Ok({"stop", a});
  EXPECT_EQ(daemon_->Inspect(a)["state"], "stopped");
  daemon_->Ok({"start", a});
  auto [r1, o1] = daemon_->Exec(a, {"cat", "/root/note"});
  EXPECT_EQ(std::string(Trim(o1)), "kept");

  int init_pid = daemon_->Inspect(a)["init_pid"];
  daemon_->Kill9();
  EXPECT_EQ(kill(init_pid, 0), 0) << "the instance died with the daemon";
  ASSERT_TRUE(daemon_->Start());
  auto j = daemon_->Inspect(a);
  EXPECT_EQ(j["state"], "running");
  EXPECT_EQ(j["init_pid"], init_pid);
  auto [r2, o2] = daemon_->Exec(a, {"cat", "/root/note"});
  EXPECT_EQ(std::string(Trim(o2)), "kept");

  // It dies while the daemon is away: the next daemon reports how.
  daemon_->Kill9();
  kill(init_pid, SIGKILL);
  for (int i = 0; i < 100 && kill(init_pid, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_TRUE(daemon_->Start());
  j = daemon_->Inspect(a);
  EXPECT_EQ(j["state"], "exited");
  EXPECT_EQ(j["last_exit"], "signaled 9");
  EXPECT_TRUE(MountsUnder(daemon_->data_dir() + "/instances/" + a).empty());
  // And it can be started again with its data.
  daemon_->Ok({"start", a});
  auto [r3, o3] = daemon_->Exec(a, {"cat", "/root/note"});
  EXPECT_EQ(std::string(Trim(o3)), "kept");
  // rm deletes the writable layer.
  daemon_->Ok({"rm", "--force", a});
  EXPECT_FALSE(PathExists(daemon_->data_dir() + "/instances/" + a));
}

TEST_F(RuntimeTest, RestartPolicyAlwaysBringsItBack) {
  std::string a = Create({"--restart", "always"});
  daemon_->Ok({"start", a});
  int pid = daemon_->Inspect(a)["init_pid"];
  kill(pid, SIGKILL);
  bool back = false;
  for (int i = 0; i < 100 && !back; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto j = daemon_->Inspect(a);
    back = j["state"] == "running" && j["init_pid"] != pid;
  }
  EXPECT_TRUE(back);
  EXPECT_GE(daemon_->Inspect(a)["restart_count"].get<int>(), 1);
}

TEST_F(RuntimeTest, BadInputIsRefusedAndChangesNothing) {
  std::string existing = Create({"--name", "taken"});
  struct Case {
    std::vector<std::string> args;
    std::string expect;
  };
  std::vector<Case> cases = {
      {{"create", "--name", "Bad/Name"}, "invalid name"},
      {{"create", "--name", "x", "--resolution", "100000x5"}, "resolution"},
      {{"create", "--name", "x", "--resolution", "abc"}, "resolution"},
      {{"create", "--name", "x", "--memory", "1T0"}, "size"},
      {{"create", "--name", "x", "--memory", "1M"}, "memory"},
      {{"create", "--name", "x", "--cpus", "64"}, "cpus"},
      {{"create", "--name", "x", "--dpi", "5"}, "dpi"},
      {{"create", "--name", "x", "--image", "no-such-image"}, "no-such-image"},
      {{"create", "--name", "taken"}, "exists"},
      {{"start", "no-such-instance"}, "no such instance"},
  };
  for (const auto& c : cases) {
    auto r = daemon_->Cli(c.args);
    EXPECT_FALSE(r.ok()) << c.args[1];
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << "got: " << r.err;
  }
  EXPECT_EQ(daemon_->Json({"ls"}).size(), 1u);
  daemon_->Ok({"start", existing});
  auto r = daemon_->Cli({"rm", existing});
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;
  EXPECT_EQ(daemon_->Inspect(existing)["state"], "running");
}

TEST_F(RuntimeTest, ConcurrentCallsOnOneInstanceAreSafe) {
  std::string a = Create();
  std::vector<std::thread> threads;
  std::atomic<int> hard_errors{0};
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      auto r = daemon_->Cli({i % 2 ? "stop" : "start", a});
      // "already running" is an expected answer to a racing start.
      if (!r.ok() && r.err.find("already running") == std::string::npos) hard_errors++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(hard_errors.load(), 0);
  auto state = daemon_->Inspect(a)["state"].get<std::string>();
  EXPECT_TRUE(state == "running" || state == "stopped") << state;
  daemon_->Ok({"stop", a});
  daemon_->Ok({"start", a});
  EXPECT_EQ(daemon_->Inspect(a)["state"], "running");
}

class RollbackTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RollbackTest, InjectedFailureLeavesNoResidue) {
  if (!IsRoot()) GTEST_SKIP() << "needs root";
  Daemon d({"VMI_INJECT_FAILURE=" + GetParam()});
  ASSERT_TRUE(d.Start());
  d.Ok({"image", "build", "linux-mobile"});
  auto before_ifs = HostInterfaces();
  bool create_step = GetParam() == "dirs" || GetParam() == "row";
  auto r = d.Cli({"create", "--name", "rb"});
  if (create_step) {
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.err.find("injected failure"), std::string::npos) << r.err;
    EXPECT_EQ(d.Json({"ls"}).size(), 0u) << "a row was left";
    EXPECT_TRUE(!IsDirectory(d.data_dir() + "/instances") ||
                vmi::Run({"sh", "-c", "ls -A " + d.data_dir() + "/instances | wc -l"})->out == "0\n");
  } else {
    ASSERT_TRUE(r.ok()) << r.err;
    std::string id(Trim(r.out));
    auto s = d.Cli({"start", id});
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.err.find("injected failure"), std::string::npos) << s.err;
    EXPECT_EQ(d.Inspect(id)["state"], "created");
    EXPECT_TRUE(MountsUnder(d.data_dir()).empty());
    EXPECT_EQ(HostInterfaces(), before_ifs);
    // The container and its cgroups are gone too.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_FALSE(CgroupExists(id));
    auto st = vmi::Run({"crun", "state", "vmi-" + id});
    EXPECT_FALSE(st->ok()) << "container left behind";
  }
  d.Purge();
}

INSTANTIATE_TEST_SUITE_P(Steps, RollbackTest,
                         ::testing::Values("dirs", "row", "mount", "config", "monitor", "network",
                                           "start"));

}  // namespace
}  // namespace vmi::testing

namespace vmi::testing {
namespace {

TEST_F(RuntimeTest, AndroidImageFailsFastWithoutBinder) {
  if (vmi::Run({"grep", "-qw", "binder", "/proc/filesystems"})->ok())
    GTEST_SKIP() << "this host has binder";
  // A minimal redroid-layout rootfs: /init plus system/ and vendor/ trees.
  std::string dir = daemon_->data_dir() + "/android-src";
  ASSERT_TRUE(MakeDirs(dir + "/rootfs/system/bin").ok());
  ASSERT_TRUE(MakeDirs(dir + "/rootfs/vendor").ok());
  ASSERT_TRUE(WriteFile(dir + "/rootfs/init", "#!/system/bin/sh\n").ok());
  ASSERT_TRUE(RunChecked({"tar", "-C", dir + "/rootfs", "-cf", dir + "/android.tar", "."}).ok());
  daemon_->Ok({"image", "import", dir + "/android.tar", "--name", "droid"});
  auto images = daemon_->Json({"image", "ls"});
  bool android = false;
  for (const auto& i : images) android |= i["name"] == "droid" && i["kind"] == "android";
  EXPECT_TRUE(android) << images.dump();
  auto r = daemon_->Cli({"create", "--image", "droid", "--name", "droid1"});
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.err.find("binderfs"), std::string::npos) << r.err;
  EXPECT_EQ(daemon_->Json({"ls"}).size(), 0u);
}

TEST(RuntimeDiskTest, FullDiskIsAClearErrorWithNoResidue) {
  if (!IsRoot()) GTEST_SKIP() << "needs root";
  char tmpl[] = "/var/tmp/vmi-full-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  ASSERT_TRUE(RunChecked({"mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", dir}).ok());
  {
    Daemon d({}, dir);
    ASSERT_TRUE(d.Start());
    d.Ok({"image", "build", "linux-mobile"});
    std::string ok_id(Trim(d.Ok({"create", "--name", "before"})));
    // Fill the file system, then ask for more.
    vmi::Run({"dd", "if=/dev/zero", "of=" + dir + "/filler", "bs=64k"}).ok();
    auto r = d.Cli({"create", "--name", "after"});
    EXPECT_FALSE(r.ok());
    // The directories, the writable layer's image or the database row hit
    // the full disk first.
    EXPECT_TRUE(r.err.find("No space left") != std::string::npos ||
                r.err.find("disk is full") != std::string::npos)
        << r.err;
    auto list = d.Json({"ls"});
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0]["name"], "before");
    auto dirs = RunChecked({"ls", dir + "/instances"});
    EXPECT_EQ(std::string(Trim(*dirs)), ok_id) << "a half-created instance was left";
    unlink((dir + "/filler").c_str());
    d.Purge();
  }
  RunChecked({"umount", "-l", dir}).ok();
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace vmi::testing
