// The abuse suite (docs/security.md): a hostile tenant, user "mallory" with
// a small quota, tries each escape and exhaustion from inside her own real
// running instance (crun, the linux-mobile session), and against the API.
// Each test asserts the refusal and that the host, the daemon and a second
// tenant's instance ("victim") are unaffected. Root only: a real daemon,
// real containers, real loop devices, nftables and tc.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "api/http/client.h"
#include "base/child_process.h"
#include "base/file.h"
#include "base/unique_fd.h"
#include "daemon_fixture.h"
#include "runtime/core/port_policy.h"

namespace vmi::testing {
namespace {

using api::Json;

// Mallory's quota: one instance, and small per-instance limits.
constexpr int kPids = 128;
constexpr int kDiskMb = 256;
constexpr int kBandwidthMbit = 8;

class AbuseTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!IsRoot()) return;
    daemon_ = new Daemon({"VMI_ADMIN_PASSWORD=admin-password-1"});
    daemon_->EnableTcp();
    if (!daemon_->Start()) return;
    base_ = "http://127.0.0.1:" + std::to_string(daemon_->tcp_port());
    admin_ = TokenFor("admin", "admin-password-1");
    auto admin = Client(admin_);
    for (const char* name : {"mallory", "victim"}) {
      Json body{{"name", name}, {"password", std::string(name) + "-password-1"}};
      auto u = admin->Call("POST", "/api/v1/users", &body);
      if (!u.ok()) {
        ADD_FAILURE() << u.error().ToString();
        return;
      }
      user_ids_[name] = (*u)["id"].get<int64_t>();
    }
    Json quota{{"instances", 1},          {"pids_per_instance", kPids},
               {"disk_mb_per_instance", kDiskMb}, {"bandwidth_mbit_per_instance", kBandwidthMbit},
               {"open_files_per_instance", 1024}};
    auto q = admin->Call("PUT", "/api/v1/users/" + std::to_string(user_ids_["mallory"]) + "/quota",
                         &quota);
    if (!q.ok()) {
      ADD_FAILURE() << q.error().ToString();
      return;
    }
    mallory_ = TokenFor("mallory", "mallory-password-1");
    victim_ = TokenFor("victim", "victim-password-1");
    Json m{{"name", "mallory-1"}, {"resolution", "360x640"}, {"memory", "512M"}};
    Json v{{"name", "victim-1"}, {"resolution", "360x640"}, {"memory", "512M"}};
    auto mi = Client(mallory_)->Call("POST", "/api/v1/instances?start=1", &m);
    auto vi = Client(victim_)->Call("POST", "/api/v1/instances?start=1", &v);
    if (!mi.ok() || !vi.ok()) {
      ADD_FAILURE() << (mi.ok() ? vi.error().ToString() : mi.error().ToString());
      return;
    }
    m_ = *mi;
    v_ = *vi;
    // The probe goes into each instance's device directory (/run/vmi inside).
    for (const Json* inst : {&m_, &v_}) {
      auto full = admin->Call("GET", "/api/v1/instances/" + (*inst)["id"].get<std::string>());
      if (!full.ok()) return;
      std::string dst = (*full)["device_dir"].get<std::string>() + "/probe.py";
      auto text = ReadFile(VMI_ABUSE_PROBE);
      if (!text.ok() || !WriteFile(dst, *text).ok()) {
        ADD_FAILURE() << "cannot copy the probe to " << dst;
        return;
      }
    }
    ready_ = true;
  }

  static void TearDownTestSuite() {
    if (daemon_) daemon_->Purge();
    delete daemon_;
    daemon_ = nullptr;
  }

  void SetUp() override {
    if (!IsRoot()) GTEST_SKIP() << "needs root";
    ASSERT_TRUE(ready_) << "daemon, users or instances did not come up; see "
                        << (daemon_ ? daemon_->data_dir() : "") << "/daemon.log";
  }

  static std::unique_ptr<api::HttpClient> Client(const std::string& token) {
    auto c = api::HttpClient::Create({.server = base_, .token = token});
    EXPECT_TRUE(c.ok());
    return std::move(*c);
  }

  static std::string TokenFor(const std::string& name, const std::string& password) {
    auto c = api::HttpClient::Create({.server = base_});
    if (!c.ok()) return "";
    Json body{{"name", name}, {"password", password}};
    auto r = (*c)->Send("POST", "/api/v1/auth/login", body.dump());
    if (!r.ok() || r->status != 200) return "";
    auto cookie = r->headers.Get("Set-Cookie");
    if (!cookie) return "";
    api::Headers h;
    h.Add("Cookie", std::string(cookie->substr(0, cookie->find(';'))));
    h.Add("X-CSRF-Token", Json::parse(r->body)["csrf_token"].get<std::string>());
    auto t = (*c)->Send("POST", "/api/v1/tokens", R"({"name":"abuse"})", "application/json", h);
    if (!t.ok() || t->status != 201) return "";
    return Json::parse(t->body)["token"].get<std::string>();
  }

  // Runs argv in the instance as its owner (through the API, like a tenant).
  static Json Exec(const std::string& token, const Json& inst, std::vector<std::string> argv,
                   int timeout_ms = 120000) {
    Json body{{"argv", argv}, {"timeout_ms", timeout_ms}};
    auto r = Client(token)->Call(
        "POST", "/api/v1/instances/" + inst["id"].get<std::string>() + "/exec", &body);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    return r.ok() ? *r : Json::object();
  }

  // One probe.py run inside mallory's instance; its JSON line.
  static Json Probe(std::vector<std::string> args, const std::string& token = mallory_,
                    const Json* inst = nullptr) {
    std::vector<std::string> argv = {"python3", "/run/vmi/probe.py"};
    argv.insert(argv.end(), args.begin(), args.end());
    Json out = Exec(token, inst ? *inst : m_, argv);
    std::string text = out.value("stdout", "");
    Json j = Json::parse(text, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "probe said: " << text << out.value("stderr", "");
    return j.is_discarded() ? Json::object() : j;
  }

  // The host, the daemon and the victim's instance still work.
  static void ExpectOthersUnaffected() {
    auto health = Client("")->Send("GET", "/api/v1/health");
    ASSERT_TRUE(health.ok()) << health.error().ToString();
    EXPECT_EQ(health->status, 200);
    Json out = Exec(victim_, v_, {"sh", "-c", "echo alive > /root/alive && cat /root/alive"});
    EXPECT_EQ(out.value("exit_code", -1), 0) << out.dump();
    EXPECT_EQ(out.value("stdout", ""), "alive\n");
  }

  static std::string Ip(const Json& inst) { return inst["ip"].get<std::string>(); }

  static inline Daemon* daemon_ = nullptr;
  static inline std::string base_, admin_, mallory_, victim_;
  static inline std::map<std::string, int64_t> user_ids_;
  static inline Json m_, v_;
  static inline bool ready_ = false;
};

TEST_F(AbuseTest, CreateRefusesFieldsOutsideTheSchemaAndTheQuota) {
  auto c = Client(mallory_);
  auto send = [&](const std::string& body) {
    auto r = c->Send("POST", "/api/v1/instances", body);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : api::ClientResponse{};
  };
  // The bypass: pids_max straight from the request.
  auto r = send(R"({"name":"m2","pids_max":4194304})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("pids_max"), std::string::npos) << r.body;
  // Asking more than the quota's per-instance limit.
  r = send(R"({"name":"m2","pids":1000})");
  EXPECT_EQ(r.status, 429);
  EXPECT_NE(r.body.find("pids"), std::string::npos) << r.body;
  r = send(R"({"name":"m2","disk":"10G"})");
  EXPECT_EQ(r.status, 429);
  EXPECT_NE(r.body.find("disk"), std::string::npos) << r.body;
  // Strict input: out-of-range numbers, duplicate keys, oversized bodies.
  r = send(R"({"name":"m2","memory":"99999999999999999999"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("memory"), std::string::npos) << r.body;
  r = send(R"({"name":"m2","name":"m3"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("duplicate key 'name'"), std::string::npos) << r.body;
  // A 10 MB body: refused from its Content-Length, before it is read (the
  // server closes the connection, so the client sends only the header).
  {
    UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(daemon_->tcp_port());
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    std::string head = "POST /api/v1/instances HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                       mallory_ + "\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(10 << 20) + "\r\n\r\n";
    ASSERT_EQ(write(fd.get(), head.data(), head.size()), static_cast<ssize_t>(head.size()));
    char buf[64] = {};
    ASSERT_GT(read(fd.get(), buf, sizeof buf - 1), 12);
    EXPECT_EQ(std::string(buf, 12), "HTTP/1.1 413") << buf;
  }
  // The instance she has got exactly her quota's limits.
  EXPECT_EQ(m_["pids_max"].get<int64_t>(), kPids);
  EXPECT_EQ(m_["disk"].get<int64_t>(), int64_t{kDiskMb} << 20);
  EXPECT_EQ(m_["bandwidth_mbit"].get<int64_t>(), kBandwidthMbit);
  // Nothing was created by the refused calls.
  auto list = c->Call("GET", "/api/v1/instances");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);
}

TEST_F(AbuseTest, ForkBombStopsAtThePidsQuota) {
  Json r = Probe({"fork-bomb", "100000"});
  EXPECT_EQ(r.value("result", ""), "denied") << r.dump();
  EXPECT_EQ(r.value("errno", ""), "EAGAIN") << r.dump();
  EXPECT_LT(r.value("forked", 0), kPids) << r.dump();
  EXPECT_GT(r.value("forked", 0), kPids / 2) << r.dump();
  ExpectOthersUnaffected();
}

TEST_F(AbuseTest, FillingTheDiskEndsInEnospcInsideTheInstance) {
  // df inside shows the instance's own size, not the host's disk.
  Json df = Exec(mallory_, m_, {"df", "-B1", "--output=size", "/"});
  std::string text = df.value("stdout", "");
  int64_t size = std::atoll(text.substr(text.find('\n') + 1).c_str());
  EXPECT_GT(size, int64_t{kDiskMb / 2} << 20) << text;
  EXPECT_LE(size, int64_t{kDiskMb} << 20) << text;
  Json r = Probe({"fill-disk", "/root/fill"});
  EXPECT_EQ(r.value("result", ""), "denied") << r.dump();
  EXPECT_EQ(r.value("errno", ""), "ENOSPC") << r.dump();
  EXPECT_LE(r.value("written", int64_t{0}), int64_t{kDiskMb} << 20) << r.dump();
  ExpectOthersUnaffected();
}

TEST_F(AbuseTest, SeccompRefusesNamespacesKeyringsAndKernelInterfaces) {
  // Sanity: the probe can clone at all.
  EXPECT_EQ(Probe({"clone-plain"}).value("result", ""), "allowed");
  for (const char* probe :
       {"clone-newuser", "clone-newnet", "clone-newuser-newnet", "clone-newns", "clone-newpid",
        "clone-newipc", "clone-newuts", "clone-newcgroup", "unshare-user", "setns", "mount-tmpfs",
        "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
        "kexec_load", "init_module", "finit_module", "io_uring_setup", "open_by_handle_at",
        "pivot_root", "syslog", "reboot"}) {
    Json r = Probe({probe});
    EXPECT_EQ(r.value("result", ""), "denied") << r.dump();
    EXPECT_EQ(r.value("errno", ""), "EPERM") << r.dump();
  }
  // clone3 answers ENOSYS so libc falls back to the filtered clone.
  Json r = Probe({"clone3"});
  EXPECT_EQ(r.value("result", ""), "denied") << r.dump();
  EXPECT_EQ(r.value("errno", ""), "ENOSYS") << r.dump();
  // And the programs users would reach for fail too.
  Json u = Exec(mallory_, m_, {"unshare", "-U", "-n", "true"});
  EXPECT_NE(u.value("exit_code", 0), 0) << u.dump();
}

TEST_F(AbuseTest, EveryExecRunsWithNoNewPrivsAndWithoutAdminCapabilities) {
  Json out = Exec(mallory_, m_, {"grep", "-E", "^(NoNewPrivs|CapBnd|CapEff)", "/proc/self/status"});
  std::string text = out.value("stdout", "");
  EXPECT_NE(text.find("NoNewPrivs:\t1"), std::string::npos) << text;
  auto cap = [&](const char* field) {
    size_t at = text.find(field);
    return at == std::string::npos ? ~0ull : std::stoull(text.substr(at + 8, 16), nullptr, 16);
  };
  for (const char* field : {"CapBnd:\t", "CapEff:\t"}) {
    uint64_t caps = cap(field);
    for (int bit : {12 /*NET_ADMIN*/, 13 /*NET_RAW*/, 16 /*SYS_MODULE*/, 19 /*SYS_PTRACE*/,
                    21 /*SYS_ADMIN*/, 27 /*MKNOD*/})
      EXPECT_EQ(caps & (1ull << bit), 0u) << field << std::hex << caps << " bit " << std::dec << bit;
  }
}

TEST_F(AbuseTest, ProcAndSysCannotBeWrittenAndSecretsAreMasked) {
  for (const char* path : {"/proc/sys/kernel/hostname", "/proc/sys/vm/drop_caches",
                           "/proc/sysrq-trigger", "/sys/kernel/mm/transparent_hugepage/enabled",
                           "/sys/fs/cgroup/pids.max"}) {
    Json r = Probe({"write", path, "1"});
    EXPECT_EQ(r.value("result", ""), "denied") << path << ": " << r.dump();
  }
  // Masked: nothing to read (the host's memory, the kernel's keys).
  Json kcore = Exec(mallory_, m_,
                    {"sh", "-c", "cat /proc/kcore | wc -c; cat /proc/keys 2>/dev/null | wc -c"});
  EXPECT_EQ(kcore.value("stdout", ""), "0\n0\n") << kcore.dump();
}

TEST_F(AbuseTest, NoRawOrPacketSocketsOnTheBridge) {
  for (const char* probe : {"raw-socket", "packet-socket"}) {
    Json r = Probe({probe});
    EXPECT_EQ(r.value("result", ""), "denied") << r.dump();
    EXPECT_EQ(r.value("errno", ""), "EPERM") << r.dump();
  }
}

TEST_F(AbuseTest, PtraceOfProcessesOutsideTheInstanceFails) {
  Json r = Probe({"ptrace-attach", std::to_string(daemon_->pid())});
  EXPECT_EQ(r.value("result", ""), "denied") << r.dump();
  // The daemon's processes are not even visible.
  Json ps = Exec(mallory_, m_, {"sh", "-c", "ls /proc | grep -c '^[0-9]'"});
  EXPECT_LT(std::atoi(ps.value("stdout", "0").c_str()), 60) << ps.dump();
}

TEST_F(AbuseTest, NeitherTheDaemonNorAnotherInstanceIsReachable) {
  // The victim serves on 8080; the host reaches it, mallory must not.
  Json srv = Exec(victim_, v_,
                  {"sh", "-c", "cd /tmp && nohup python3 -m http.server 8080 >/dev/null 2>&1 &"});
  ASSERT_EQ(srv.value("exit_code", -1), 0) << srv.dump();
  bool up = false;
  for (int i = 0; i < 50 && !up; ++i) {
    UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(8080);
    inet_pton(AF_INET, Ip(v_).c_str(), &a.sin_addr);
    up = connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    if (!up) usleep(100000);
  }
  ASSERT_TRUE(up) << "the victim's server did not come up";
  Json r = Probe({"connect", Ip(v_), "8080"});
  EXPECT_EQ(r.value("result", ""), "denied") << r.dump();
  // The daemon's API port on the bridge address and on the host's loopback
  // seen from the guest (its own loopback: nothing there).
  r = Probe({"connect", "10.88.0.1", std::to_string(daemon_->tcp_port())});
  EXPECT_EQ(r.value("result", ""), "denied") << r.dump();
  r = Probe({"connect", "127.0.0.1", std::to_string(daemon_->tcp_port())});
  EXPECT_EQ(r.value("result", ""), "denied") << r.dump();
  // No API socket inside.
  Json ls = Exec(mallory_, m_, {"sh", "-c", "find / -xdev -name api.sock 2>/dev/null | wc -l"});
  EXPECT_EQ(ls.value("stdout", ""), "0\n");
}

// Runs a Python snippet in mallory's network namespace as the host's root:
// what a guest with CAP_NET_RAW/NET_ADMIN (an Android guest) could send.
RunOutput InMalloryNetns(const Json& m, const std::string& script) {
  auto r = Run({"nsenter", "--net=/proc/" + std::to_string(m["init_pid"].get<int>()) + "/ns/net",
                "--", "/usr/bin/python3", "-c", script},
               {}, std::chrono::seconds(30));
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : RunOutput{};
}

// Packets the port's anti-spoofing chain dropped so far.
int64_t SpoofDrops(int slot) {
  auto drops = runtime::PortPolicyDrops(slot);
  return drops.ok() ? *drops : -1;
}

TEST_F(AbuseTest, SpoofedAddressesAndArpAreDroppedAtThePort) {
  Json m = *Client(admin_)->Call("GET", "/api/v1/instances/" + m_["id"].get<std::string>());
  int slot = m["slot"].get<int>();
  int64_t before = SpoofDrops(slot);
  ASSERT_GE(before, 0) << "no anti-spoofing chain for slot " << slot;
  // IP packets with the victim's source address, and ARP replies claiming
  // the victim's address, toward the bridge.
  std::string victim_ip = Ip(v_);
  std::string script =
      "import socket, struct\n"
      "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\n"
      "s.bind(('eth0', 0))\n"
      "mac = s.getsockname()[4]\n"
      "vip = socket.inet_aton('" + victim_ip + "')\n"
      "gw = socket.inet_aton('10.88.0.1')\n"
      "arp = b'\\xff'*6 + mac + b'\\x08\\x06' + struct.pack('!HHBBH', 1, 0x0800, 6, 4, 2)"
      " + mac + vip + b'\\xff'*6 + gw\n"
      // A valid header checksum: the bridge drops broken IPv4 headers by
      // itself (br_netfilter), which would prove nothing.
      "h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 28, 1, 0, 64, 17, 0, vip, gw)\n"
      "c = sum(struct.unpack('!10H', h)); c = (c >> 16) + (c & 0xffff); c += c >> 16\n"
      "h = h[:10] + struct.pack('!H', ~c & 0xffff) + h[12:]\n"
      "ip = h + struct.pack('!HHHH', 9999, 9999, 8, 0)\n"
      "eth_ip = b'\\xff'*6 + mac + b'\\x08\\x00' + ip\n"
      "for _ in range(5):\n"
      "    s.send(arp)\n"
      "    s.send(eth_ip)\n"
      "print(mac.hex())\n";
  RunOutput out = InMalloryNetns(m, script);
  ASSERT_TRUE(out.ok()) << out.err;
  usleep(200000);
  EXPECT_GE(SpoofDrops(slot) - before, 10) << "spoofed frames were not dropped";
  // The host did not learn mallory's MAC for the victim's address.
  std::string mallory_mac = std::string(Trim(out.out));
  auto neigh = RunChecked({"ip", "neigh", "show", victim_ip});
  ASSERT_TRUE(neigh.ok());
  std::string colon_mac;
  for (size_t i = 0; i < mallory_mac.size(); i += 2)
    colon_mac += (i ? ":" : "") + mallory_mac.substr(i, 2);
  EXPECT_EQ(neigh->find(colon_mac), std::string::npos) << *neigh;
  ExpectOthersUnaffected();
}

TEST_F(AbuseTest, BandwidthIsCappedByTheQuota) {
  // Mallory serves 2 MB; the host downloads it through her port's shaper.
  Json srv = Exec(mallory_, m_,
                  {"sh", "-c",
                   "cd /tmp && head -c 2000000 /dev/urandom > blob && "
                   "nohup python3 -m http.server 8081 >/dev/null 2>&1 &"});
  ASSERT_EQ(srv.value("exit_code", -1), 0) << srv.dump();
  std::string url = "http://" + Ip(m_) + ":8081/blob";
  std::string script =
      "import time, urllib.request\n"
      "for i in range(50):\n"
      "    try:\n"
      "        urllib.request.urlopen('" + url + "', timeout=2).read(1); break\n"
      "    except Exception: time.sleep(0.1)\n"
      "t = time.monotonic()\n"
      "n = len(urllib.request.urlopen('" + url + "', timeout=60).read())\n"
      "print(n, time.monotonic() - t)\n";
  auto r = vmi::Run({"/usr/bin/python3", "-c", script}, {}, std::chrono::seconds(90));
  ASSERT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->err : r.error().ToString());
  auto f = Split(std::string(Trim(r->out)), ' ');
  ASSERT_EQ(f.size(), 2u) << r->out;
  double bytes = std::atof(f[0].c_str()), secs = std::atof(f[1].c_str());
  EXPECT_EQ(bytes, 2000000);
  // A cap, not a speed: the rate must stay under twice the quota's rate.
  double mbit = bytes * 8 / secs / 1e6;
  EXPECT_LT(mbit, 2.0 * kBandwidthMbit) << bytes << " bytes in " << secs << " s";
}

TEST_F(AbuseTest, ExecOutputBeyondTheLimitIsReported) {
  Json body{{"argv", {"head", "-c", "5000", "/dev/zero"}}, {"max_output", 1000}};
  auto r = Client(mallory_)->Call(
      "POST", "/api/v1/instances/" + m_["id"].get<std::string>() + "/exec", &body);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)["truncated"].get<bool>());
  EXPECT_TRUE((*r)["stdout_truncated"].get<bool>());
  EXPECT_EQ((*r)["stdout"].get<std::string>().size(), 1000u);
  RunOutput cli = daemon_->Cli({"exec", "--max-output", "1000", m_["id"].get<std::string>(), "--",
                                "head", "-c", "5000", "/dev/zero"});
  EXPECT_TRUE(WIFEXITED(cli.status) && WEXITSTATUS(cli.status) == 3)
      << DescribeWaitStatus(cli.status);
  EXPECT_NE(cli.err.find("more than 1000 bytes"), std::string::npos) << cli.err;
  RunOutput fits = daemon_->Cli({"exec", "--max-output", "1000", m_["id"].get<std::string>(), "--",
                                 "head", "-c", "1000", "/dev/zero"});
  EXPECT_TRUE(fits.ok()) << fits.err;
}

// Idle half-sent requests and floods from one address: capped per client,
// closed after the header timeout, while another client is served.
TEST_F(AbuseTest, ConnectionFloodIsCappedAndHalfSentRequestsTimeOut) {
  auto open_from = [](const char* source) {
    UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in src{};
    src.sin_family = AF_INET;
    inet_pton(AF_INET, source, &src.sin_addr);
    bind(fd.get(), reinterpret_cast<sockaddr*>(&src), sizeof src);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(daemon_->tcp_port());
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return UniqueFd();
    const char half[] = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n";  // never finished
    if (write(fd.get(), half, sizeof half - 1) < 0) return UniqueFd();
    return fd;
  };
  std::vector<UniqueFd> flood;
  for (int i = 0; i < 300; ++i) flood.push_back(open_from("127.0.0.2"));
  usleep(300000);
  // Connections over the per-client cap got a 503 and were closed.
  int refused = 0, held = 0;
  for (auto& fd : flood) {
    if (!fd) continue;
    pollfd p{fd.get(), POLLIN, 0};
    char buf[64] = {};
    if (poll(&p, 1, 0) == 1 && read(fd.get(), buf, sizeof buf - 1) > 0 &&
        std::string(buf).find(" 503 ") != std::string::npos)
      ++refused;
    else
      ++held;
  }
  EXPECT_LE(held, 128);
  EXPECT_GE(refused, 300 - 128);
  // A well-behaved client from another address is served meanwhile.
  auto health = Client(victim_)->Send("GET", "/api/v1/auth/me");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
  // The held ones are closed once the header timeout (10 s) passes.
  std::this_thread::sleep_for(std::chrono::seconds(12));
  int closed = 0;
  for (auto& fd : flood) {
    if (!fd) continue;
    pollfd p{fd.get(), POLLIN, 0};
    char buf[256];
    if (poll(&p, 1, 0) == 1 && read(fd.get(), buf, sizeof buf) >= 0) ++closed;
  }
  EXPECT_EQ(closed, static_cast<int>(flood.size()) - static_cast<int>(std::count_if(
                                                          flood.begin(), flood.end(),
                                                          [](const UniqueFd& f) { return !f; })));
  auto metrics = Client(admin_)->Send("GET", "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("vmi_http_connections_refused_total{reason=\"per_client\"}"),
            std::string::npos);
  size_t at = metrics->body.find("\nvmi_http_header_timeouts_total ");
  ASSERT_NE(at, std::string::npos);
  EXPECT_GE(std::atoi(metrics->body.c_str() + at + 32), held) << metrics->body.substr(at, 60);
  ExpectOthersUnaffected();
}

}  // namespace
}  // namespace vmi::testing
