// `vmi serve --kubernetes` for real: the daemon (bin/vmi-node) as a process
// of its own on a real PostgreSQL, against the in-test Kubernetes API server
// (cluster/testing/fake_apiserver.h), driven through its REST API and the
// CLI as users would:
//   - instances are Phones: create (quota taken at once: a third phone over
//     a quota of two is refused with 429 and leaves no Phone), list and
//     inspect per owner (another user sees nothing), start/stop through
//     spec.running, delete through the finalizer;
//   - the controller in the daemon (leader on its own Lease) turns Phones
//     into Pods and claims and writes their status (phase, Pod IP, number);
//   - a Phone made with kubectl over its owner's quota gets no Pod, phase
//     Failed and a QuotaExceeded condition, and is admitted once another
//     phone of the owner is deleted;
//   - the finalizer gives the phone's number and quota back;
//   - a phone's live view is routed to its Pod: the Pod's processes run here
//     as in the Pod (the guest's Xvfb in its own namespaces, vmi-devhost and
//     vmi-gate sharing only the device directory; the gate's token is the
//     one the controller put in the Pod); a screenshot through the control
//     plane shows the guest's pixels, a viewer's WebSocket is relayed to the
//     device host (101 and video frames), another user gets 404 for both,
//     and the gate refuses requests without the phone's token;
//   - exec runs in the guest (vmi-init's exec agent, through the gate);
//     vncsnapshot on `vmi vnc --listen`'s port sees the guest's screen
//     through the control plane's and the gate's WebSocket relay;
//   - the event stream, the image list and the guest's log (pods/log)
//     answer as on a node;
//   - GET /metrics on the metrics port needs no login (the API's /metrics
//     still does);
//   - SIGTERM stops the daemon and gives the Lease up.
// The daemon runs as root here only because the test does; --kubernetes
// needs no privilege.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <regex>
#include <thread>

#include "api/http/client.h"
#include "api/management.h"
#include "base/child_process.h"
#include "base/file.h"
#include "base/temp_dir.h"
#include "cluster/testing/fake_apiserver.h"
#include "devices/display/png.h"
#include "devices/host/control_client.h"
#include "devices/telephony/sms_pdu.h"
#include "stream/video/jpeg_codec.h"
#include "stream/vnc/vnc_server.h"
#include "node/kube_ledger.h"
#include "node/phone_service.h"
#include "store/testing/postgres_server.h"

namespace vmi {
namespace {

using namespace std::chrono_literals;
using cluster::Json;
using cluster::testing::FakeApiServer;

const std::string kPhones = "/apis/vmi.dev/v1/namespaces/phones/phones";
const std::string kPods = "/api/v1/namespaces/phones/pods";
const std::string kClaims = "/api/v1/namespaces/phones/persistentvolumeclaims";
const std::string kLeases = "/apis/coordination.k8s.io/v1/namespaces/vmi/leases";

int FreePort() {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

UniqueFd Connect(int port) {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  EXPECT_EQ(connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  return fd;
}

// Reads what arrives within `timeout` until `enough` says so.
std::string ReadUntil(int fd, const std::function<bool(const std::string&)>& enough,
                      std::chrono::milliseconds timeout) {
  std::string got;
  auto end = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  while (!enough(got)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) != 1) break;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

// A WebSocket upgrade of the viewer route as a browser sends it (with the
// user's credentials), and the first answer.
std::string OpenViewer(int port, const std::string& token, UniqueFd& fd) {
  fd = Connect(port);
  std::string req = "GET /api/v1/instances/v1/stream?audio=0 HTTP/1.1\r\nHost: vmi\r\n"
                    "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer " +
                    token + "\r\n\r\n";
  EXPECT_EQ(send(fd.get(), req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  return ReadUntil(fd.get(), [](const std::string& s) { return s.find("\r\n\r\n") != std::string::npos; }, 10s);
}

template <typename F>
bool Eventually(F cond, std::chrono::milliseconds limit = 20s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return cond();
}

class KubeServeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto pg = store::testing::SharedPostgres();
    ASSERT_NE(pg, nullptr);
    auto url = pg->CreateDatabase("kube_serve");
    ASSERT_TRUE(url.ok()) << url.error().ToString();
    db_url_ = *url;
    // Users, tokens and a quota, made the way another replica would.
    auto db = store::Database::Open(db_url_);
    ASSERT_TRUE(db.ok());
    store::Migrations m;
    api::Management::AddMigrations(m);
    node::AddPhoneMigrations(m);
    node::KubeLedger::AddMigrations(m);
    ASSERT_TRUE(m.Apply(**db).ok());
    db_ = std::move(*db);
    api::ManagementOptions mo;
    mo.admin_password = "admin-password-1";
    auto mgmt = api::Management::Create(db_.get(), mo);
    ASSERT_TRUE(mgmt.ok());
    mgmt_ = std::move(*mgmt);
    ASSERT_TRUE(mgmt_->EnsureAdmin().ok());
    auto token = [](const std::string& user) {
      auto u = mgmt_->users().GetByName(user);
      EXPECT_TRUE(u.ok());
      auto t = mgmt_->tokens().Create(u->id, "kube-test", 0);
      EXPECT_TRUE(t.ok());
      return t->token;
    };
    for (const char* u : {"alice", "bob"})
      ASSERT_TRUE(mgmt_->users().Create(u, "password-of-" + std::string(u), api::Role::kUser).ok());
    alice_id_ = mgmt_->users().GetByName("alice")->id;
    api::QuotaLimits q = mgmt_->quotas().defaults();
    q.max_instances = 2;
    ASSERT_TRUE(mgmt_->quotas().SetLimits(alice_id_, q).ok());
    admin_token_ = token("admin");
    alice_token_ = token("alice");
    bob_token_ = token("bob");

    auto api = FakeApiServer::Start({.bookmark_interval = 200ms});
    ASSERT_TRUE(api.ok());
    api_ = std::move(*api);
    auto dir = TempDir::Create("vmi-kube-serve");
    ASSERT_TRUE(dir.ok());
    dir_ = new TempDir(std::move(*dir));
    Json kubeconfig = {
        {"current-context", "test"},
        {"contexts", {{{"name", "test"}, {"context", {{"cluster", "fake"}, {"user", "u"}, {"namespace", "vmi"}}}}}},
        {"clusters", {{{"name", "fake"}, {"cluster", {{"server", api_->url()}}}}}},
        {"users", {{{"name", "u"}, {"user", {{"token", "t"}}}}}}};
    ASSERT_TRUE(WriteFile(dir_->path() + "/kubeconfig", kubeconfig.dump()).ok());
    gate_port_ = FreePort();
    // The cluster's vmi-modem, as its Pod runs it: TCP control and line
    // ports, the control token from its Secret.
    modem_token_ = std::string(64, 'm');
    modem_port_ = FreePort();
    line_port_ = FreePort();
    UniqueFd modem_log(open((dir_->path() + "/modem.log").c_str(),
                            O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    auto modem = ChildProcess::Spawn(
        {std::string(VMI_BIN_DIR) + "/vmi-modem", "--state", dir_->path() + "/modem", "--listen",
         "127.0.0.1:" + std::to_string(modem_port_), "--line-listen",
         "127.0.0.1:" + std::to_string(line_port_)},
        {.env = {"VMI_MODEM_TOKEN=" + modem_token_},
         .stdout_fd = modem_log.get(),
         .stderr_fd = modem_log.get(),
         .parent_death_signal = SIGKILL});
    ASSERT_TRUE(modem.ok()) << modem.error().ToString();
    modem_ = new ChildProcess(std::move(*modem));
    Start();
  }

  static void Start() {
    UniqueFd out(open((dir_->path() + "/daemon.log").c_str(),
                      O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600));
    SpawnOptions so;
    so.stdout_fd = out.get();
    so.stderr_fd = out.get();
    so.parent_death_signal = SIGKILL;
    so.env = {"VMI_MODEM_TOKEN=" + modem_token_};
    auto child = ChildProcess::Spawn(
        {std::string(VMI_BIN_DIR) + "/vmi-node", "--kubernetes", "--kubeconfig",
         dir_->path() + "/kubeconfig", "--database", db_url_, "--phones-namespace", "phones",
         "--port", "0", "--socket", "", "--metrics-port", "0", "--phone-image-prefix",
         "registry.example/vmi/", "--devhost-image", "registry.example/vmi:9", "--gate-port",
         std::to_string(gate_port_), "--modem", "127.0.0.1:" + std::to_string(modem_port_),
         "--modem-lines", "localhost:" + std::to_string(line_port_)},
        so);
    ASSERT_TRUE(child.ok()) << child.error().ToString();
    daemon_ = new ChildProcess(std::move(*child));
    std::smatch m;
    std::string log;
    ASSERT_TRUE(Eventually([&] {
      log = Log();
      return log.find("metrics:") != std::string::npos;
    })) << log;
    ASSERT_TRUE(std::regex_search(log, m, std::regex("API: +http://127.0.0.1:([0-9]+)/")));
    api_port_ = m[1].str();
    ASSERT_TRUE(std::regex_search(log, m, std::regex("metrics: +http://127.0.0.1:([0-9]+)/")));
    metrics_port_ = m[1].str();
  }

  static void TearDownTestSuite() {
    if (daemon_) (void)daemon_->WaitOrKill(0ms);
    delete daemon_;
    daemon_ = nullptr;
    if (modem_) (void)modem_->WaitOrKill(0ms);
    delete modem_;
    modem_ = nullptr;
    api_.reset();
    mgmt_.reset();
    db_.reset();
    delete dir_;
  }

  static std::unique_ptr<api::HttpClient> Client(const std::string& token,
                                                 const std::string& port = "") {
    auto c = api::HttpClient::Create(
        {.server = "http://127.0.0.1:" + (port.empty() ? api_port_ : port), .token = token});
    EXPECT_TRUE(c.ok());
    return std::move(*c);
  }
  static api::ClientResponse Send(const std::string& token, const std::string& method,
                                  const std::string& path, const std::string& body = "") {
    auto r = Client(token)->Send(method, path, body);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    return r.ok() ? *r : api::ClientResponse{};
  }
  static std::string Log() {
    auto l = ReadFile(dir_->path() + "/daemon.log");
    return l.ok() ? *l : "";
  }
  static Json Body(const api::ClientResponse& r) { return Json::parse(r.body, nullptr, false); }
  static std::string PhaseOf(const std::string& name) {
    auto p = api_->Get(kPhones, name);
    return p ? cluster::JsonString(*p, {"status", "phase"}) : "";
  }
  static int64_t UsedInstances() {
    auto q = mgmt_->quotas().Get(alice_id_);
    return q.ok() ? q->used.instances : -1;
  }

  static inline std::string db_url_, admin_token_, alice_token_, bob_token_, api_port_, metrics_port_;
  static inline int64_t alice_id_ = 0;
  static inline int gate_port_ = 0;
  static inline int modem_port_ = 0, line_port_ = 0;
  static inline std::string modem_token_;
  static inline ChildProcess* modem_ = nullptr;

  // Median of `n` runs of fn, in ms.
  template <typename F>
  static double MedianMs(int n, F fn) {
    std::vector<double> ms;
    for (int i = 0; i < n; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      fn();
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
  }
  static int64_t RssKb(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
    return -1;
  }
  static inline std::unique_ptr<store::Database> db_;
  static inline std::unique_ptr<api::Management> mgmt_;
  static inline std::unique_ptr<FakeApiServer> api_;
  static inline TempDir* dir_ = nullptr;
  static inline ChildProcess* daemon_ = nullptr;
};

TEST_F(KubeServeTest, InstancesArePhonesWithQuotasNumbersAndTheController) {
  // Create: a Phone in the cluster, admitted at once (its number comes back).
  auto a1 = Send(alice_token_, "POST", "/api/v1/instances?start=1",
                 R"({"name":"a1","image":"linux-mobile","cpus":0.5,"memory":"512M"})");
  ASSERT_EQ(a1.status, 201) << a1.body;
  Json j = Body(a1);
  EXPECT_EQ(j["owner"], "alice");
  EXPECT_EQ(j["image"], "registry.example/vmi/linux-mobile:latest");
  std::string number = j["number"];
  EXPECT_TRUE(std::regex_match(number, std::regex("\\+1555[0-9]{7}"))) << number;
  auto stored = api_->Get(kPhones, "a1");
  ASSERT_TRUE(stored);
  const std::string a1_uid = cluster::JsonString(*stored, {"metadata", "uid"});
  EXPECT_EQ((*stored)["spec"]["resources"]["cpu"], "500m");
  EXPECT_EQ((*stored)["spec"]["running"], true);
  ASSERT_EQ(Send(alice_token_, "POST", "/api/v1/instances", R"({"name":"a2"})").status, 201);
  EXPECT_EQ(UsedInstances(), 2);

  // Over the quota: refused in the answer, and no Phone is left behind.
  auto a3 = Send(alice_token_, "POST", "/api/v1/instances", R"({"name":"a3"})");
  EXPECT_EQ(a3.status, 429) << a3.body;
  EXPECT_NE(a3.body.find("quota"), std::string::npos) << a3.body;
  EXPECT_TRUE(Eventually([] { return !api_->Get(kPhones, "a3"); }));
  // A name Kubernetes cannot take is a clear 400, not a cluster error.
  EXPECT_EQ(Send(alice_token_, "POST", "/api/v1/instances", R"({"name":"Bad_Name"})").status, 400);

  // The controller (this replica leads its Lease) makes a1's claim and Pod;
  // a2 is not running: claim only.
  ASSERT_TRUE(Eventually([] { return api_->Get(kPods, "phone-a1").has_value(); }));
  Json pod = *api_->Get(kPods, "phone-a1");
  EXPECT_EQ(pod["spec"]["containers"][1]["image"], "registry.example/vmi:9");
  EXPECT_TRUE(api_->Get(kLeases, "vmi-controller").has_value());
  ASSERT_TRUE(Eventually([] { return api_->Get(kClaims, "phone-a2-data").has_value(); }));
  EXPECT_FALSE(api_->Get(kPods, "phone-a2"));
  // The kubelet's part: the Pod runs.
  pod["spec"]["nodeName"] = "node-1";
  pod = api_->Replace(kPods, "phone-a1", pod).second;
  pod["status"] = {{"phase", "Running"}, {"podIP", "10.1.2.3"},
                   {"conditions", {{{"type", "Ready"}, {"status", "True"}},
                                   {{"type", "PodScheduled"}, {"status", "True"}}}}};
  ASSERT_EQ(api_->Replace(kPods, "phone-a1", pod, true).first, 200);
  ASSERT_TRUE(Eventually([] { return PhaseOf("a1") == "Running"; }));
  j = Body(Send(alice_token_, "GET", "/api/v1/instances/a1"));
  EXPECT_EQ(j["state"], "running");
  EXPECT_EQ(j["pod_ip"], "10.1.2.3");
  EXPECT_EQ(j["node"], "node-1");
  EXPECT_EQ(j["number"], number);

  // Images: the names a phone can be made from, with their references;
  // making images is a node's work, and the answer says how.
  Json images = Body(Send(alice_token_, "GET", "/api/v1/images"));
  bool listed = false;
  for (const auto& im : images)
    listed |= im["name"] == "linux-mobile" &&
              im["ref"] == "registry.example/vmi/linux-mobile:latest" && im["phones"] == 2;
  EXPECT_TRUE(listed) << images.dump();
  auto build = Send(admin_token_, "POST", "/api/v1/images", R"({"build":"linux-mobile"})");
  EXPECT_EQ(build.status, 409) << build.body;
  EXPECT_NE(build.body.find("vmi image export"), std::string::npos) << build.body;
  EXPECT_EQ(Send(alice_token_, "DELETE", "/api/v1/images/linux-mobile").status, 403);

  // The event stream (SSE) as on a node, followed by the CLI (`vmi events`,
  // one JSON line per event): a snapshot of alice's phones, then changes.
  std::string ev_path = dir_->path() + "/events.jsonl";
  UniqueFd ev_out(open(ev_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  auto ev_reader = ChildProcess::Spawn(
      {std::string(VMI_BIN_DIR) + "/vmi", "--server", "http://127.0.0.1:" + api_port_, "--token",
       alice_token_, "--json", "events"},
      {.stdout_fd = ev_out.get(), .parent_death_signal = SIGKILL});
  ASSERT_TRUE(ev_reader.ok()) << ev_reader.error().ToString();
  auto events_seen = [&] {
    auto t = ReadFile(ev_path);
    return t.ok() ? *t : std::string();
  };
  ASSERT_TRUE(Eventually([&] { return events_seen().find("\"a2\"") != std::string::npos; }))
      << events_seen();
  EXPECT_NE(events_seen().find("\"event\":\"instance\""), std::string::npos);
  EXPECT_NE(events_seen().find("\"pod_ip\":\"10.1.2.3\""), std::string::npos) << events_seen();

  // Per owner: bob sees nothing of alice's; the admin sees both.
  EXPECT_EQ(Body(Send(bob_token_, "GET", "/api/v1/instances")).size(), 0u);
  EXPECT_EQ(Send(bob_token_, "GET", "/api/v1/instances/a1").status, 404);
  EXPECT_EQ(Send(bob_token_, "POST", "/api/v1/instances/a1/stop").status, 404);
  EXPECT_EQ(Body(Send(admin_token_, "GET", "/api/v1/instances")).size(), 2u);
  // The CLI works unchanged against the control plane.
  auto ls = vmi::Run({std::string(VMI_BIN_DIR) + "/vmi", "--server",
                        "http://127.0.0.1:" + api_port_, "--token", alice_token_, "ls"});
  ASSERT_TRUE(ls.ok());
  EXPECT_NE(ls->out.find("a1"), std::string::npos) << ls->out << ls->err;
  EXPECT_NE(ls->out.find("a2"), std::string::npos) << ls->out;
  // The phone's line at the cluster's vmi-modem: its number, as admitted;
  // someone else's phone stays 404.
  auto phone = Send(alice_token_, "GET", "/api/v1/instances/a1/phone");
  EXPECT_EQ(phone.status, 200) << phone.body;
  EXPECT_EQ(Body(phone)["number"], number) << phone.body;
  EXPECT_EQ(Send(bob_token_, "GET", "/api/v1/instances/a1/phone").status, 404);
  EXPECT_EQ(Send(alice_token_, "PATCH", "/api/v1/instances/a1/phone", R"({"number":"+15550009999"})").status, 403);
  EXPECT_EQ(Send(bob_token_, "GET", "/api/v1/instances/a1/apps").status, 404);
  // The guest's console from the Kubernetes API (pods/log), as `vmi logs`.
  api_->SetLog(kPods, "phone-a1", "guest", "vmi-init (pid 1) instance a1\nlast line\n");
  auto logs = Send(alice_token_, "GET", "/api/v1/instances/a1/logs?tail_bytes=10");
  EXPECT_EQ(logs.status, 200);
  EXPECT_EQ(logs.body, "last line\n");
  auto cli_logs = vmi::Run({std::string(VMI_BIN_DIR) + "/vmi", "--server",
                            "http://127.0.0.1:" + api_port_, "--token", alice_token_, "logs", "a1"});
  ASSERT_TRUE(cli_logs.ok());
  EXPECT_NE(cli_logs->out.find("instance a1"), std::string::npos) << cli_logs->out << cli_logs->err;

  // A Phone made with kubectl for alice, over her quota: no Pod, Failed.
  Json k1 = {{"apiVersion", "vmi.dev/v1"},
             {"kind", "Phone"},
             {"metadata", {{"name", "k1"}, {"namespace", "phones"}}},
             {"spec", {{"image", "registry.example/vmi/linux-mobile:1"}, {"owner", "alice"}}}};
  ASSERT_EQ(api_->Create(kPhones, k1).first, 201);
  ASSERT_TRUE(Eventually([] { return PhaseOf("k1") == "Failed"; }));
  Json k1s = *api_->Get(kPhones, "k1");
  EXPECT_NE(cluster::JsonString(k1s, {"status", "message"}).find("quota"), std::string::npos)
      << k1s.dump();
  bool refused = false;
  for (const auto& c : k1s["status"]["conditions"])
    refused |= c["type"] == "Admitted" && c["status"] == "False" && c["reason"] == "QuotaExceeded";
  EXPECT_TRUE(refused) << k1s.dump();
  EXPECT_FALSE(api_->Get(kPods, "phone-k1"));
  EXPECT_FALSE(api_->Get(kClaims, "phone-k1-data"));

  // Stop: spec.running false, the Pod goes, the claim stays.
  auto stop = Send(alice_token_, "POST", "/api/v1/instances/a1/stop");
  ASSERT_EQ(stop.status, 200) << stop.body;
  EXPECT_EQ((*api_->Get(kPhones, "a1"))["spec"]["running"], false);
  ASSERT_TRUE(Eventually([] { return !api_->Get(kPods, "phone-a1"); }));
  ASSERT_TRUE(Eventually([] { return PhaseOf("a1") == "Stopped"; }));
  EXPECT_TRUE(api_->Get(kClaims, "phone-a1-data"));
  EXPECT_EQ(Body(Send(alice_token_, "GET", "/api/v1/instances/a1"))["state"], "stopped");

  // Delete a1: the finalizer releases its number and quota, then the Phone
  // goes; k1 is admitted in its place and gets a Pod.
  ASSERT_EQ(Send(alice_token_, "DELETE", "/api/v1/instances/a1").status, 204);
  ASSERT_TRUE(Eventually([] { return !api_->Get(kPhones, "a1"); }));
  auto line = db_->QueryOne("SELECT number FROM phone_lines WHERE instance_id = $1",
                            {"phone:" + a1_uid});
  ASSERT_TRUE(line.ok());
  EXPECT_FALSE(line->has_value()) << "a1 still holds its number";
  auto row = db_->QueryOne("SELECT 1 FROM kube_phones WHERE uid = $1", {a1_uid});
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(row->has_value()) << "a1 still holds its quota";
  ASSERT_TRUE(Eventually([] { return api_->Get(kPods, "phone-k1").has_value(); }));
  ASSERT_TRUE(Eventually([] { return PhaseOf("k1") == "Pending"; }));
  EXPECT_EQ(UsedInstances(), 2);  // a2 and k1
  // The stream saw a1 stop, then go, and alice's kubectl Phone come.
  EXPECT_TRUE(Eventually([&] {
    return events_seen().find("\"event\":\"removed\"") != std::string::npos;
  })) << events_seen();
  std::string seen = events_seen();
  EXPECT_NE(seen.find("\"state\":\"stopped\""), std::string::npos) << seen;
  EXPECT_NE(seen.find("\"name\":\"a1\""), std::string::npos) << seen;
  EXPECT_NE(seen.find("\"k1\""), std::string::npos) << seen;
  (void)ev_reader->WaitOrKill(0ms);
  EXPECT_EQ(cluster::JsonString(*api_->Get(kPhones, "k1"), {"status", "number"}), number)
      << "the lowest free number is a1's old one";
}

TEST_F(KubeServeTest, LiveViewIsRoutedToThePhonesPod) {
  auto v1 = Send(bob_token_, "POST", "/api/v1/instances?start=1", R"({"name":"v1"})");
  ASSERT_EQ(v1.status, 201) << v1.body;
  ASSERT_TRUE(Eventually([] { return api_->Get(kPods, "phone-v1").has_value(); }));
  Json pod = *api_->Get(kPods, "phone-v1");
  const Json& gate = pod["spec"]["containers"][2];
  ASSERT_EQ(gate["name"], "gate");
  std::string token = gate["env"][0]["value"];
  // Not running yet: 409, and nothing is contacted.
  EXPECT_EQ(Send(bob_token_, "GET", "/api/v1/instances/v1/screenshot").status, 409);

  // The Pod's processes, as its containers run them (not under /tmp: the
  // guest gets a private /tmp).
  char tmpl[] = "/var/tmp/vmi-kube-pod-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dev = tmpl;
  ASSERT_TRUE(MakeDirs(dev + "/x11", 01777).ok());
  chmod((dev + "/x11").c_str(), 01777);
  // The guest container's PID 1 is vmi-init (as in an exported image),
  // which starts the exec agent on the device directory's exec.sock.
  std::string session =
      "Xvfb :0 -screen 0 720x1280x24 -fbdir \"$DEV\" -nolisten tcp & x=$!; "
      "for i in $(seq 100); do [ -S /tmp/.X11-unix/X0 ] && break; sleep 0.1; done; "
      "while kill -0 $x; do DISPLAY=:0 xsetroot -solid '#20c040'; sleep 0.2; done";
  // As in the Pod, the device directory is the guest's /run/vmi and the
  // guest kit its /opt/vmi (the apps' /opt/apps is the guest's own).
  std::string guest_script =
      "set -e; mount --make-rprivate /; mount -t tmpfs tmpfs /tmp; mkdir -m 1777 /tmp/.X11-unix; "
      "mount --bind \"$DEV/x11\" /tmp/.X11-unix; mount -t tmpfs tmpfs /run; mkdir /run/vmi; "
      "mount --bind \"$DEV\" /run/vmi; mount -t tmpfs tmpfs /opt; mkdir /opt/vmi; "
      "mount --bind \"$KIT\" /opt/vmi; "
      "exec \"$KIT/bin/vmi-init\" --manifest /nonexistent --state none -- bash -c \"$SESSION\"";
  auto guest = ChildProcess::Spawn(
      {"unshare", "-m", "-n", "-p", "-f", "--mount-proc", "--kill-child", "--", "bash", "-c",
       guest_script},
      {.env = {"DEV=" + dev, "KIT=" VMI_GUEST_KIT_DIR, "SESSION=" + session,
               "VMI_EXEC_SOCKET=" + dev + "/exec.sock", "VMI_INSTANCE=v1"},
       .parent_death_signal = SIGKILL});
  ASSERT_TRUE(guest.ok()) << guest.error().ToString();
  ASSERT_TRUE(Eventually([&] { return PathExists(dev + "/Xvfb_screen0"); }, 10s));
  std::string bin = VMI_BIN_DIR;
  auto devhost = ChildProcess::Spawn(
      {bin + "/vmi-devhost", "--id", "v1", "--name", "v1", "--devdir", dev, "--socket",
       dev + "/devhost.sock", "--width", "720", "--height", "1280", "--dpi", "320", "--audio", "0"},
      {.parent_death_signal = SIGKILL});
  ASSERT_TRUE(devhost.ok());
  // The gate's own volume (the app records and upload spool).
  std::string gate_dir = dev + "-gate";
  auto gate_proc = ChildProcess::Spawn(
      {bin + "/vmi-gate", "--id", "v1", "--devdir", dev, "--listen",
       "127.0.0.1:" + std::to_string(gate_port_), "--kind", "linux-mobile", "--apps-dir", gate_dir},
      {.env = {"VMI_GATE_TOKEN=" + token}, .parent_death_signal = SIGKILL});
  ASSERT_TRUE(gate_proc.ok());
  ASSERT_TRUE(Eventually([&] { return PathExists(dev + "/devhost.sock"); }, 10s));
  // The kubelet's part: the Pod runs, at an address the control plane reaches.
  pod["status"] = {{"phase", "Running"}, {"podIP", "127.0.0.1"},
                   {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}};
  ASSERT_EQ(api_->Replace(kPods, "phone-v1", pod, true).first, 200);
  ASSERT_TRUE(Eventually([] { return PhaseOf("v1") == "Running"; }));

  // A screenshot through the control plane shows the guest's pixels.
  display::DecodedImage img;
  size_t at = (static_cast<size_t>(640) * 720 + 360) * 4;
  auto green = [&] {
    return img.bgrx.size() > at + 2 && static_cast<uint8_t>(img.bgrx[at]) == 0x40 &&
           static_cast<uint8_t>(img.bgrx[at + 1]) == 0xc0 &&
           static_cast<uint8_t>(img.bgrx[at + 2]) == 0x20;
  };
  std::string last;
  ASSERT_TRUE(Eventually([&] {
    auto shot = Send(bob_token_, "GET", "/api/v1/instances/v1/screenshot");
    last = std::to_string(shot.status) + " " + shot.body.substr(0, 200);
    if (shot.status != 200) return false;
    auto decoded = display::DecodePng(shot.body);
    if (!decoded.ok()) return false;
    img = std::move(*decoded);
    return green();
  }, 15s)) << last;
  EXPECT_EQ(img.width, 720);
  // Another user: as if it did not exist. The gate: the phone's token only.
  EXPECT_EQ(Send(alice_token_, "GET", "/api/v1/instances/v1/screenshot").status, 404);
  EXPECT_EQ(Send(bob_token_, "POST", "/api/v1/instances/v1/rotate", R"({"orientation":"sideways"})").status, 400);
  auto direct = api::HttpClient::Create({.server = "http://127.0.0.1:" + std::to_string(gate_port_),
                                         .token = bob_token_});
  ASSERT_TRUE(direct.ok());
  auto refused = (*direct)->Send("GET", "/api/v1/instances/v1/screenshot");
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 401);

  // A viewer: the upgrade is answered by the device host in the Pod, and
  // after HELLO the stream's messages arrive through the relay.
  UniqueFd ws;
  std::string head = OpenViewer(std::stoi(api_port_), bob_token_, ws);
  ASSERT_EQ(head.rfind("HTTP/1.1 101", 0), 0u) << head;
  // HELLO {0x10, version 1, codecs 1 (JPEG... any), 0}, masked as a client must.
  const unsigned char mask[4] = {1, 2, 3, 4};
  const unsigned char hello[4] = {0x10, 1, 1, 0};
  std::string frame = {char(0x82), char(0x80 | 4), char(mask[0]), char(mask[1]), char(mask[2]), char(mask[3])};
  for (int i = 0; i < 4; ++i) frame.push_back(char(hello[i] ^ mask[i]));
  ASSERT_EQ(send(ws.get(), frame.data(), frame.size(), MSG_NOSIGNAL), static_cast<ssize_t>(frame.size()));
  size_t body = head.find("\r\n\r\n") + 4;
  std::string frames = head.substr(body) +
                       ReadUntil(ws.get(), [](const std::string& s) { return s.size() >= 2; }, 10s);
  ASSERT_GE(frames.size(), 2u) << "no message from the device host";
  EXPECT_EQ(static_cast<uint8_t>(frames[0]), 0x82) << "a binary WebSocket frame";
  ws.reset();
  // Figures for bench/scaleout (printed, not asserted): a screenshot
  // through the control plane and the gate, next to the same call made
  // straight on the device host's control socket (what the gate does), and
  // the gate's memory.
  double routed = MedianMs(20, [&] { Send(bob_token_, "GET", "/api/v1/instances/v1/screenshot"); });
  double on_socket = MedianMs(20, [&] {
    EXPECT_TRUE(devhost::Call(dev + "/devhost.sock", devhost::Request("screenshot")).ok());
  });
  std::printf("routed_screenshot_ms_p50 %.2f\ndirect_screenshot_ms_p50 %.2f\ngate_rss_kb %lld\n",
              routed, on_socket, static_cast<long long>(RssKb(gate_proc->pid())));

  // exec: run by the exec agent in the guest's namespaces (its PID 1 is
  // vmi-init, its /tmp the guest's), stdout and stderr apart.
  auto ex = Send(bob_token_, "POST", "/api/v1/instances/v1/exec",
                 R"({"argv":["sh","-c","cat /proc/1/comm; echo $VMI_INSTANCE; ls -a /tmp/.X11-unix; echo oops >&2; exit 3"]})");
  ASSERT_EQ(ex.status, 200) << ex.body;
  Json exj = Body(ex);
  EXPECT_EQ(exj["exit_code"], 3) << ex.body;
  EXPECT_EQ(exj["stdout"].get<std::string>().rfind("vmi-init\nv1\n", 0), 0u) << ex.body;
  EXPECT_NE(exj["stdout"].get<std::string>().find("X0"), std::string::npos) << ex.body;
  EXPECT_EQ(exj["stderr"], "oops\n");
  EXPECT_EQ(exj["truncated"], false);
  EXPECT_EQ(Send(bob_token_, "POST", "/api/v1/instances/v1/exec", R"({"argv":[]})").status, 400);
  EXPECT_EQ(Send(alice_token_, "POST", "/api/v1/instances/v1/exec", R"({"argv":["true"]})").status,
            404);
  // The CLI unchanged.
  auto cli_exec = vmi::Run({bin + "/vmi", "--server", "http://127.0.0.1:" + api_port_, "--token",
                            bob_token_, "exec", "v1", "--", "cat", "/proc/1/comm"});
  ASSERT_TRUE(cli_exec.ok());
  EXPECT_EQ(cli_exec->out, "vmi-init\n") << cli_exec->err;

  // VNC: the password through the control plane; a standard VNC client
  // (vncsnapshot) on the local port of `vmi vnc --listen`, carried over
  // the control plane's WebSocket to the gate and the device host's VNC
  // server, sees the guest's screen; a wrong password is refused.
  auto vnc = Send(bob_token_, "GET", "/api/v1/instances/v1/vnc");
  ASSERT_EQ(vnc.status, 200) << vnc.body;
  Json vj = Body(vnc);
  EXPECT_EQ(vj["websocket"], "/api/v1/instances/v1/vnc/websocket");
  EXPECT_EQ(Send(alice_token_, "GET", "/api/v1/instances/v1/vnc").status, 404);
  std::string pass = dev + "/vnc.pass";
  ASSERT_TRUE(vnc::WriteVncPasswordFile(pass, vj["password"]).ok());
  auto snapshot = [&](const std::string& passfile, const std::string& out) {
    int port = FreePort();
    auto tunnel = ChildProcess::Spawn(
        {bin + "/vmi", "--server", "http://127.0.0.1:" + api_port_, "--token", bob_token_, "vnc",
         "v1", "--listen", "127.0.0.1:" + std::to_string(port), "--once"},
        {.parent_death_signal = SIGKILL});
    EXPECT_TRUE(tunnel.ok());
    EXPECT_TRUE(Eventually([&] {
      // A probe would use up --once: look for the listener instead.
      auto tcp = ReadFile("/proc/net/tcp");
      char hex[8];
      snprintf(hex, sizeof hex, ":%04X", port);
      return tcp.ok() && tcp->find(std::string("0100007F") + hex + " 00000000:0000 0A") != std::string::npos;
    }, 10s));
    auto r = vmi::Run({"vncsnapshot", "-quiet", "-passwd", passfile, "-nojpeg", "-nocursor",
                       "-quality", "100", "127.0.0.1::" + std::to_string(port), out},
                      {}, 60s);
    (void)tunnel->WaitOrKill(10s);
    return r;
  };
  auto snap = snapshot(pass, dev + "/snap.jpg");
  ASSERT_TRUE(snap.ok());
  ASSERT_TRUE(snap->ok()) << snap->err << snap->out;
  auto jpeg = ReadFile(dev + "/snap.jpg");
  ASSERT_TRUE(jpeg.ok());
  auto pic = video::DecompressJpeg(reinterpret_cast<const uint8_t*>(jpeg->data()), jpeg->size());
  ASSERT_TRUE(pic.ok()) << pic.error().ToString();
  EXPECT_EQ(pic->width, 720);
  EXPECT_EQ(pic->height, 1280);
  size_t mid = (static_cast<size_t>(640) * 720 + 360) * 4;
  ASSERT_GT(pic->bgrx.size(), mid + 2);
  EXPECT_NEAR(pic->bgrx[mid + 1], 0xc0, 24) << "not the guest's green";
  EXPECT_NEAR(pic->bgrx[mid + 2], 0x20, 24);
  ASSERT_TRUE(vnc::WriteVncPasswordFile(pass, "wrong-pw").ok());
  auto refused_vnc = snapshot(pass, dev + "/wrong.jpg");
  ASSERT_TRUE(refused_vnc.ok());
  EXPECT_FALSE(refused_vnc->ok()) << "a wrong VNC password was accepted";

  // Someone else's viewer: 404 before anything reaches the Pod.
  UniqueFd other;
  EXPECT_EQ(OpenViewer(std::stoi(api_port_), alice_token_, other).rfind("HTTP/1.1 404", 0), 0u);

  // Apps: the CLI uploads through the control plane to the app service in
  // the Pod's gate, which stages the file in the device directory and runs
  // the guest kit's vmi-app through the exec agent: installed in the
  // guest's own /opt/apps, listed, started (it runs in the guest), removed.
  auto cli = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv = {bin + "/vmi", "--server", "http://127.0.0.1:" + api_port_,
                                     "--token", bob_token_};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = vmi::Run(argv, {}, 60s);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : RunOutput{};
  };
  std::string elf = dev + "-yes";
  auto yes = ReadFile("/usr/bin/yes");
  ASSERT_TRUE(yes.ok());
  ASSERT_TRUE(WriteFile(elf, *yes).ok());
  auto installed = cli({"app", "install", "v1", elf});
  ASSERT_TRUE(installed.ok()) << installed.err << installed.out;
  std::string app_id(Trim(installed.out));
  ASSERT_EQ(app_id.size(), 12u) << installed.out;
  Json listed_apps = Body(Send(bob_token_, "GET", "/api/v1/instances/v1/apps"));
  ASSERT_EQ(listed_apps["apps"].size(), 1u) << listed_apps.dump();
  EXPECT_EQ(listed_apps["kind"], "linux-mobile");
  EXPECT_EQ(listed_apps["apps"][0]["type"], "binary");
  std::string launcher = listed_apps["apps"][0]["entries"][0]["exec"];
  EXPECT_EQ(launcher.rfind("/opt/apps/" + app_id + "/", 0), 0u) << launcher;
  auto in_guest = [&](const std::string& cmd) {
    return Body(Send(bob_token_, "POST", "/api/v1/instances/v1/exec",
                     Json{{"argv", {"sh", "-c", cmd}}}.dump()))
        .value("stdout", "");
  };
  EXPECT_NE(in_guest("ls /opt/apps/" + app_id).find("yes"), std::string::npos);
  EXPECT_FALSE(PathExists("/opt/apps/" + app_id)) << "installed outside the guest";
  ASSERT_TRUE(cli({"app", "start", "v1", app_id}).ok());
  // The app runs in the guest's pid namespace, detached from exec.
  std::string procs = "for p in /proc/[0-9]*; do tr '\\0' ' ' <$p/cmdline; echo; done";
  EXPECT_TRUE(Eventually([&] { return in_guest(procs).find("/opt/apps/" + app_id) != std::string::npos; }, 10s))
      << in_guest(procs);
  // Not the owner: 404; a bad upload: the gate's check, with nothing installed.
  EXPECT_EQ(Send(alice_token_, "GET", "/api/v1/instances/v1/apps").status, 404);
  auto junk = Send(bob_token_, "POST", "/api/v1/instances/v1/apps?file=notes.txt", "plain text");
  EXPECT_EQ(junk.status, 400) << junk.body;
  EXPECT_NE(junk.body.find("ELF"), std::string::npos) << junk.body;
  ASSERT_TRUE(cli({"app", "rm", "v1", app_id}).ok());
  EXPECT_EQ(Body(Send(bob_token_, "GET", "/api/v1/instances/v1/apps"))["apps"].size(), 0u);
  EXPECT_EQ(in_guest("ls /opt/apps/" + app_id + " 2>/dev/null; true"), "");
  EXPECT_EQ(Send(bob_token_, "DELETE", "/api/v1/instances/v1/apps/" + app_id).status, 404);
  // Audited as on a node.
  for (const char* action : {"app.install", "app.start", "app.remove"}) {
    auto rows = db_->Query("SELECT outcome FROM audit_log WHERE action = $1", {action});
    ASSERT_TRUE(rows.ok()) << rows.error().ToString();
    EXPECT_GE(rows->rows.size(), std::string(action) == "app.start" ? 1u : 2u) << action;
  }

  for (auto* p : {&*gate_proc, &*devhost, &*guest}) {
    p->Signal(SIGTERM).ok();
    p->WaitOrKill(5s).ok();
  }
  RemoveTree(dev).ok();
  RemoveTree(gate_dir).ok();
  unlink(elf.c_str());
}

// Telephony between two phones in two Pods: each Pod's device host serves
// its guest's modem endpoint and connects the line over TCP to the
// cluster's vmi-modem with the token the controller put in the Pod; a call
// and an SMS go from one guest's modem to the other's, and the REST API
// (through the control plane's connection to vmi-modem) sees them.
TEST_F(KubeServeTest, CallsAndSmsBetweenPhonesInTwoPods) {
  std::string numbers[2], tokens[2], lines[2], devs[2];
  const char* names[2] = {"t1", "t2"};
  std::vector<ChildProcess> devhosts;
  for (int i = 0; i < 2; ++i) {
    auto r = Send(bob_token_, "POST", "/api/v1/instances?start=1",
                  Json{{"name", names[i]}}.dump());
    ASSERT_EQ(r.status, 201) << r.body;
    numbers[i] = Body(r)["number"];
    std::string pod_name = std::string("phone-") + names[i];
    ASSERT_TRUE(Eventually([&] { return api_->Get(kPods, pod_name).has_value(); }));
    Json devhost = (*api_->Get(kPods, pod_name))["spec"]["containers"][1];
    ASSERT_EQ(devhost["name"], "devhost");
    const Json& args = devhost["args"];
    auto at = std::find(args.begin(), args.end(), "--modem-line");
    ASSERT_NE(at, args.end()) << args.dump();
    lines[i] = *(at + 1);
    ASSERT_EQ(devhost["env"][0]["name"], "VMI_LINE_TOKEN");
    tokens[i] = devhost["env"][0]["value"];
    char tmpl[] = "/var/tmp/vmi-kube-line-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    devs[i] = tmpl;
    // The devhost container: its own device directory (no guest screen is
    // needed for the modem), its line as the Pod's spec says.
    auto p = ChildProcess::Spawn(
        {std::string(VMI_BIN_DIR) + "/vmi-devhost", "--id", names[i], "--name", names[i],
         "--devdir", devs[i], "--socket", devs[i] + "/devhost.sock", "--audio", "0",
         "--modem-line", lines[i]},
        {.env = {"VMI_LINE_TOKEN=" + tokens[i]}, .parent_death_signal = SIGKILL});
    ASSERT_TRUE(p.ok()) << p.error().ToString();
    devhosts.push_back(std::move(*p));
  }
  EXPECT_EQ(lines[0], "localhost:" + std::to_string(line_port_));
  EXPECT_NE(tokens[0], tokens[1]);

  // The guests' serial ports (what vmi-modem-port relays), each in its Pod.
  UniqueFd port[2];
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(Eventually([&] { return PathExists(devs[i] + "/modem.sock"); }, 10s));
    port[i] = UniqueFd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::string path = devs[i] + "/modem.sock";
    std::memcpy(a.sun_path, path.data(), path.size());
    ASSERT_EQ(connect(port[i].get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  }
  auto until = [](int fd, const std::string& want) {
    return ReadUntil(fd, [&](const std::string& s) { return s.find(want) != std::string::npos; }, 10s);
  };
  auto say = [&](int fd, const std::string& line, const std::string& want = "OK") {
    std::string cmd = line + "\r";
    EXPECT_EQ(send(fd, cmd.data(), cmd.size(), MSG_NOSIGNAL), static_cast<ssize_t>(cmd.size()));
    return until(fd, want);
  };
  for (int i = 0; i < 2; ++i) {
    // Registered once the device host's line is on the network.
    ASSERT_TRUE(Eventually([&] { return say(port[i].get(), "AT+CREG?").find("+CREG: 0,1") != std::string::npos; }, 15s))
        << names[i];
    say(port[i].get(), "ATE0");
    say(port[i].get(), "AT+CNMI=2,1,0,0,0");
    say(port[i].get(), "AT+CLIP=1");
  }
  EXPECT_NE(say(port[0].get(), "AT+CNUM").find(numbers[0]), std::string::npos);

  // t1's guest dials t2's number: t2's guest hears it ring with t1's number.
  EXPECT_NE(say(port[0].get(), "ATD" + numbers[1] + ";").find("OK"), std::string::npos);
  std::string ring = until(port[1].get(), "+CLIP");
  EXPECT_NE(ring.find("RING"), std::string::npos) << ring;
  EXPECT_NE(ring.find(numbers[0]), std::string::npos) << ring;
  Json calls = Body(Send(bob_token_, "GET", "/api/v1/instances/t2/phone/calls"));
  ASSERT_EQ(calls.size(), 1u) << calls.dump();
  EXPECT_EQ(calls[0]["direction"], "incoming");
  EXPECT_EQ(calls[0]["peer"], numbers[0]);
  EXPECT_EQ(calls[0]["peer_instance"], "t1");
  EXPECT_NE(say(port[1].get(), "ATA").find("OK"), std::string::npos);
  EXPECT_TRUE(Eventually([&] {
    Json c = Body(Send(bob_token_, "GET", "/api/v1/instances/t1/phone/calls"));
    return c.size() == 1 && c[0]["state"] == "active";
  }));
  // Hung up through the REST API: both modems hear it.
  EXPECT_EQ(Send(bob_token_, "DELETE", "/api/v1/instances/t1/phone/calls/0").status, 204);
  EXPECT_NE(until(port[1].get(), "NO CARRIER").find("NO CARRIER"), std::string::npos);

  // An SMS from t1's guest (PDU mode) to t2: stored there, +CMTI, and the
  // REST API lists it with its sender.
  telephony::Bytes pdu = telephony::EncodeSubmit(
      {0, numbers[1], false, {telephony::Coding::kGsm7, "hello from pod 1", {}, std::nullopt}});
  EXPECT_NE(say(port[0].get(), "AT+CMGS=" + std::to_string(pdu.size() - 1), "> ").find("> "),
            std::string::npos);
  std::string body = telephony::ToHex(pdu) + "\x1a";
  ASSERT_EQ(send(port[0].get(), body.data(), body.size(), MSG_NOSIGNAL), static_cast<ssize_t>(body.size()));
  EXPECT_NE(until(port[0].get(), "OK").find("+CMGS:"), std::string::npos);
  EXPECT_NE(until(port[1].get(), "+CMTI").find("+CMTI: \"SM\","), std::string::npos);
  auto sms = Send(bob_token_, "GET", "/api/v1/instances/t2/phone/sms");
  ASSERT_EQ(sms.status, 200) << sms.body;
  EXPECT_NE(sms.body.find("hello from pod 1"), std::string::npos) << sms.body;
  EXPECT_NE(sms.body.find(numbers[0]), std::string::npos) << sms.body;
  // Another user's phone: 404, as everywhere.
  EXPECT_EQ(Send(alice_token_, "GET", "/api/v1/instances/t2/phone/sms").status, 404);

  // vmi-modem's line port: t2's line with t1's token is refused (and the
  // connection closed); its control port: nothing without the token.
  UniqueFd rogue = Connect(line_port_);
  std::string hello = Json{{"id", 1}, {"op", "hello"}, {"instance", "t2"}, {"token", tokens[0]}}.dump() + "\n";
  ASSERT_EQ(send(rogue.get(), hello.data(), hello.size(), MSG_NOSIGNAL), static_cast<ssize_t>(hello.size()));
  std::string refused = ReadUntil(rogue.get(), [](const std::string& s) { return s.find('\n') != std::string::npos; }, 5s);
  EXPECT_NE(refused.find("permission_denied"), std::string::npos) << refused;
  UniqueFd nosy = Connect(modem_port_);
  std::string get = R"({"id":1,"op":"messages","instance":"t2"})" "\n";
  ASSERT_EQ(send(nosy.get(), get.data(), get.size(), MSG_NOSIGNAL), static_cast<ssize_t>(get.size()));
  EXPECT_EQ(ReadUntil(nosy.get(), [](const std::string&) { return false; }, 2s), "");

  for (auto& p : devhosts) {
    p.Signal(SIGTERM).ok();
    p.WaitOrKill(5s).ok();
  }
  for (const auto& d : devs) RemoveTree(d).ok();
}

TEST_F(KubeServeTest, MetricsPortNeedsNoLoginAndStopReleasesTheLease) {
  auto open = Client("", metrics_port_)->Send("GET", "/metrics");
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(open->status, 200);
  EXPECT_NE(open->body.find("vmi_controller_leader 1"), std::string::npos) << open->body;
  EXPECT_NE(open->body.find("vmi_api_requests_total"), std::string::npos);
  // The API's own /metrics still needs an admin.
  EXPECT_EQ(Send("", "GET", "/metrics").status, 401);
  EXPECT_EQ(Send(alice_token_, "GET", "/metrics").status, 403);
  EXPECT_EQ(Send("", "GET", "/readyz").status, 200);

  ASSERT_TRUE(daemon_->Signal(SIGTERM).ok());
  auto st = daemon_->WaitOrKill(25s);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(*st, 0) << Log();
  auto lease = api_->Get(kLeases, "vmi-controller");
  ASSERT_TRUE(lease);
  EXPECT_EQ(cluster::JsonString(*lease, {"spec", "holderIdentity"}), "") << lease->dump();
}

}  // namespace
}  // namespace vmi
