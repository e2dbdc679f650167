// The controller's client side against FakeApiServer (real HTTP): the
// informer's list/watch with resourceVersion, bookmarks and 410 Gone, the
// work queue, Lease election with 409 conflicts, and the controller from a
// new Phone to its Pod and claim, status, stop and deletion, with two
// replicas of which only the leader writes.
#include "cluster/controller.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <thread>

#include "cluster/testing/fake_apiserver.h"

namespace vmi::cluster {
namespace {

using namespace std::chrono_literals;
using testing::FakeApiServer;

const std::string kNs = "phones";
const std::string kPods = "/api/v1/namespaces/phones/pods";
const std::string kClaims = "/api/v1/namespaces/phones/persistentvolumeclaims";
const std::string kPhones = "/apis/vmi.dev/v1/namespaces/phones/phones";
const std::string kEvents = "/api/v1/namespaces/phones/events";

// Polls `cond` for up to `limit`.
template <typename F>
bool Eventually(F cond, std::chrono::milliseconds limit = 10s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return cond();
}

std::string Phase(const std::optional<Json>& phone) {
  return phone ? JsonString(*phone, {"status", "phase"}) : "";
}

Json Pod(const std::string& name, const std::string& phone = "x") {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", name},
            {"namespace", kNs},
            {"labels", {{"app.kubernetes.io/name", "vmi-phone"}, {"vmi.dev/phone", phone}}}}},
          {"spec", {{"containers", Json::array()}}}};
}

Json PhoneObject(const std::string& name) {
  return {{"apiVersion", "vmi.dev/v1"},
          {"kind", "Phone"},
          {"metadata", {{"name", name}, {"namespace", kNs}}},
          {"spec", {{"image", "reg.example/vmi/lm:1"}, {"owner", "alice"}}}};
}

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = FakeApiServer::Start({.bookmark_interval = 100ms});
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    api_ = std::move(*s);
    config_.server = api_->url();
  }
  std::unique_ptr<FakeApiServer> api_;
  KubeConfig config_;
};

TEST_F(ClusterTest, FakeServerKeepsTheDocumentedSemantics) {
  auto [st, created] = api_->Create(kPods, Pod("a"));
  ASSERT_EQ(st, 201);
  EXPECT_EQ(api_->Create(kPods, Pod("a")).first, 409);
  Json stale = created;
  Json fresh = api_->Replace(kPods, "a", created).second;
  EXPECT_NE(fresh["metadata"]["resourceVersion"], created["metadata"]["resourceVersion"]);
  EXPECT_EQ(api_->Replace(kPods, "a", stale).first, 409) << "stale resourceVersion";
  EXPECT_EQ(api_->counters().conflicts, 1);
  // Over HTTP, through the client.
  auto client = KubeClient::Create(config_);
  ASSERT_TRUE(client.ok());
  auto got = (*client)->Get(kPods + "/a");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body["metadata"]["name"], "a");
  auto conflict = (*client)->Put(kPods + "/a", stale);
  ASSERT_TRUE(conflict.ok());
  EXPECT_EQ(conflict->status, 409);
  EXPECT_EQ(conflict->body["reason"], "Conflict");
  EXPECT_EQ((*client)->Get(kPods + "/nope")->status, 404);
}

TEST_F(ClusterTest, InformerListsWatchesAndRelistsAfterGone) {
  api_->Create(kPods, Pod("a"));
  api_->Create(kPods, Pod("b"));
  api_->Create(kPods, Pod("other-app")).first;
  Json foreign = Pod("foreign");
  foreign["metadata"]["labels"]["app.kubernetes.io/name"] = "something-else";
  api_->Create(kPods, foreign);
  std::mutex mu;
  std::vector<std::string> changes;
  Informer inf(config_,
               {.api_version = "v1", .resource = "pods", .ns = kNs,
                .label_selector = "app.kubernetes.io/name=vmi-phone", .watch_timeout_seconds = 2},
               [&](const std::string& name, const Json&) {
                 std::lock_guard lock(mu);
                 changes.push_back(name);
               });
  inf.Start();
  ASSERT_TRUE(Eventually([&] { return inf.synced(); }));
  EXPECT_EQ(inf.Names(), (std::vector<std::string>{"a", "b", "other-app"})) << "label selector";
  // Live changes arrive through the watch.
  api_->Create(kPods, Pod("c"));
  api_->Delete(kPods, "b");
  ASSERT_TRUE(Eventually([&] { return inf.Names() == std::vector<std::string>{"a", "c", "other-app"}; }));
  EXPECT_EQ(inf.stats().lists, 1);
  // Bookmarks move the resourceVersion on without any change of ours.
  api_->Create("/api/v1/namespaces/elsewhere/pods", Pod("z"));
  std::string rv = std::to_string(api_->resource_version());
  ASSERT_TRUE(Eventually([&] { return inf.resource_version() == rv; }));
  EXPECT_GT(inf.stats().bookmarks, 0);
  // Writes no watch saw, then compaction: the next watch gets 410 and the
  // informer relists, finding them.
  api_->Outage([&] {
    api_->Delete(kPods, "a");
    api_->Create(kPods, Pod("d"));
  });
  ASSERT_TRUE(Eventually([&] { return inf.Names() == std::vector<std::string>{"c", "d", "other-app"}; }));
  EXPECT_GE(inf.stats().gone, 1);
  EXPECT_GE(api_->counters().gone, 1);
  EXPECT_EQ(inf.stats().lists, 2);
  inf.Stop();
  std::lock_guard lock(mu);
  // Every change was reported, the deleted ones included.
  for (const char* n : {"a", "b", "c", "d"})
    EXPECT_NE(std::find(changes.begin(), changes.end(), n), changes.end()) << n;
}

TEST(WorkQueueTest, OncePerNameAndOneWorkerAtATime) {
  WorkQueue q;
  q.Add("a");
  q.Add("a");
  q.Add("b");
  EXPECT_EQ(q.Length(), 2u);
  auto a = q.Get();
  ASSERT_EQ(*a, "a");
  q.Add("a");  // while processing: not handed out again until Done
  auto b = q.Get();
  EXPECT_EQ(*b, "b");
  EXPECT_EQ(q.Length(), 0u);
  q.Done("a");
  EXPECT_EQ(q.Length(), 1u);
  EXPECT_EQ(*q.Get(), "a");
  q.Done("a");
  q.Done("b");
  // Retries back off exponentially until forgotten.
  EXPECT_EQ(WorkQueue::RetryDelay(0), 50ms);
  EXPECT_EQ(WorkQueue::RetryDelay(3), 400ms);
  EXPECT_EQ(WorkQueue::RetryDelay(20), 30000ms);
  auto t0 = std::chrono::steady_clock::now();
  q.AddRateLimited("c");
  q.AddRateLimited("c");
  EXPECT_EQ(q.Failures("c"), 2);
  EXPECT_EQ(*q.Get(), "c");
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 45ms);
  q.Forget("c");
  EXPECT_EQ(q.Failures("c"), 0);
  q.ShutDown();
  EXPECT_FALSE(q.Get().has_value());
}

TEST_F(ClusterTest, ExactlyOneLeaderAndFailover) {
  std::atomic<int> a_leads{0}, b_leads{0};
  LeaseElector::Options o{.ns = "vmi", .lease_duration = 1500ms, .retry_period = 100ms};
  o.identity = "a";
  LeaseElector a(config_, o, [&](bool l) { a_leads += l ? 1 : 0; });
  o.identity = "b";
  auto b = std::make_unique<LeaseElector>(config_, o, [&](bool l) { b_leads += l ? 1 : 0; });
  a.Start();
  b->Start();
  ASSERT_TRUE(Eventually([&] { return a.leader() || b->leader(); }));
  // Never both, over many rounds.
  for (int i = 0; i < 30; ++i) {
    EXPECT_FALSE(a.leader() && b->leader());
    std::this_thread::sleep_for(20ms);
  }
  LeaseElector& leader = a.leader() ? a : *b;
  LeaseElector& follower = a.leader() ? *b : a;
  auto lease = api_->Get("/apis/coordination.k8s.io/v1/namespaces/vmi/leases", "vmi-controller");
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ((*lease)["spec"]["holderIdentity"], a.leader() ? "a" : "b");
  EXPECT_EQ((*lease)["spec"]["leaseDurationSeconds"], 2);
  // The leader stops (and releases): the follower takes over.
  bool a_was_leader = a.leader();
  if (a_was_leader) a.Stop(); else b->Stop();
  ASSERT_TRUE(Eventually([&] { return follower.leader(); }, 5s));
  (void)leader;
  lease = api_->Get("/apis/coordination.k8s.io/v1/namespaces/vmi/leases", "vmi-controller");
  EXPECT_EQ((*lease)["spec"]["holderIdentity"], a_was_leader ? "b" : "a");
  EXPECT_GE((*lease)["spec"]["leaseTransitions"].get<int>(), 1);
  a.Stop();
  b->Stop();
}

TEST_F(ClusterTest, LeaseOfADeadLeaderExpires) {
  // A holder that never renews (a replica killed with SIGKILL does not
  // release): the elector waits the lease duration, by its own clock, then
  // takes over.
  Json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                {"kind", "Lease"},
                {"metadata", {{"name", "vmi-controller"}, {"namespace", "vmi"}}},
                {"spec", {{"holderIdentity", "dead"}, {"leaseDurationSeconds", 1},
                          {"renewTime", MicroTimeNow()}}}};
  api_->Create("/apis/coordination.k8s.io/v1/namespaces/vmi/leases", lease);
  LeaseElector e(config_, {.ns = "vmi", .identity = "alive", .lease_duration = 800ms, .retry_period = 100ms}, {});
  auto t0 = std::chrono::steady_clock::now();
  e.Start();
  ASSERT_TRUE(Eventually([&] { return e.leader(); }, 5s));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 700ms) << "took a live lease";
  e.Stop();
}

ControllerOptions Options(const KubeConfig& config, const std::string& id) {
  return {.config = config,
          .phones_namespace = kNs,
          .lease_namespace = "vmi",
          .identity = id,
          .pod = {.devhost_image = "reg.example/vmi:1"},
          .workers = 2,
          .watch_timeout_seconds = 2,
          .lease_duration = 1000ms,
          .lease_retry = 100ms};
}

TEST_F(ClusterTest, PhoneLifecycleWithTwoReplicas) {
  auto one = std::make_unique<Controller>(Options(config_, "one"));
  auto two = std::make_unique<Controller>(Options(config_, "two"));
  one->Start();
  two->Start();
  ASSERT_TRUE(Eventually([&] { return one->leader() || two->leader(); }));
  Controller* leader = one->leader() ? one.get() : two.get();
  Controller* follower = one->leader() ? two.get() : one.get();

  // A new Phone: finalizer, claim, Pod, status.
  ASSERT_EQ(api_->Create(kPhones, PhoneObject("p1")).first, 201);
  ASSERT_TRUE(Eventually([&] { return api_->Get(kPods, "phone-p1").has_value(); }));
  ASSERT_TRUE(Eventually([&] { return api_->Get(kClaims, "phone-p1-data").has_value(); }));
  Json phone = *api_->Get(kPhones, "p1");
  EXPECT_EQ(phone["metadata"]["finalizers"], Json{kFinalizer});
  Json pod = *api_->Get(kPods, "phone-p1");
  EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["uid"], phone["metadata"]["uid"]);
  EXPECT_EQ(pod["spec"]["containers"][1]["image"], "reg.example/vmi:1");
  ASSERT_TRUE(Eventually([&] {
    return Phase(api_->Get(kPhones, "p1")) == "Pending";
  }));

  // The kubelet runs it: the Phone says Running, with its node and IP.
  pod["status"] = {{"phase", "Running"},
                   {"podIP", "10.0.0.7"},
                   {"conditions", {{{"type", "Ready"}, {"status", "True"}},
                                   {{"type", "PodScheduled"}, {"status", "True"}}}}};
  pod["spec"]["nodeName"] = "node-1";
  ASSERT_EQ(api_->Replace(kPods, "phone-p1", pod).first, 200);  // spec (nodeName)
  pod = *api_->Get(kPods, "phone-p1");
  pod["status"] = {{"phase", "Running"},
                   {"podIP", "10.0.0.7"},
                   {"conditions", {{{"type", "Ready"}, {"status", "True"}},
                                   {{"type", "PodScheduled"}, {"status", "True"}}}}};
  ASSERT_EQ(api_->Replace(kPods, "phone-p1", pod, true).first, 200);
  ASSERT_TRUE(Eventually([&] {
    return Phase(api_->Get(kPhones, "p1")) == "Running";
  }));
  phone = *api_->Get(kPhones, "p1");
  EXPECT_EQ(phone["status"]["node"], "node-1");
  EXPECT_EQ(phone["status"]["podIP"], "10.0.0.7");
  EXPECT_EQ(phone["status"]["observedGeneration"], 1);
  bool created_event = false;
  for (const auto& e : api_->List(kEvents))
    if (e["reason"] == "Created" && e["involvedObject"]["name"] == "p1") created_event = true;
  EXPECT_TRUE(created_event);

  // Stop: the Pod goes, the claim stays.
  phone["spec"]["running"] = false;
  ASSERT_EQ(api_->Replace(kPhones, "p1", phone).first, 200);
  ASSERT_TRUE(Eventually([&] { return !api_->Get(kPods, "phone-p1").has_value(); }));
  EXPECT_TRUE(api_->Get(kClaims, "phone-p1-data").has_value());
  ASSERT_TRUE(Eventually([&] {
    auto p = api_->Get(kPhones, "p1");
    return Phase(p) == "Stopped" && (*p)["status"]["observedGeneration"] == 2;
  }));

  // Only the leader wrote.
  EXPECT_GT(leader->reconciles(), 0);
  EXPECT_EQ(follower->reconciles(), 0);

  // Delete: claim released, finalizer removed, Phone gone.
  EXPECT_EQ(api_->Delete(kPhones, "p1").first, 202);
  ASSERT_TRUE(Eventually([&] { return !api_->Get(kPhones, "p1").has_value(); }));
  EXPECT_FALSE(api_->Get(kClaims, "phone-p1-data").has_value());

  // The leader goes; the other replica takes over and serves a new Phone.
  if (leader == one.get()) one.reset(); else two.reset();
  ASSERT_TRUE(Eventually([&] { return follower->leader(); }, 5s));
  ASSERT_EQ(api_->Create(kPhones, PhoneObject("p2")).first, 201);
  ASSERT_TRUE(Eventually([&] { return api_->Get(kPods, "phone-p2").has_value(); }));
  EXPECT_GT(follower->reconciles(), 0);
}

TEST_F(ClusterTest, ConflictsAreRetriedFromFreshState) {
  Controller c(Options(config_, "solo"));
  // Another writer keeps changing the Phone's labels while the controller
  // works: its writes with an older resourceVersion get 409 and are retried.
  ASSERT_EQ(api_->Create(kPhones, PhoneObject("busy")).first, 201);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop && i < 200; ++i) {
      auto p = api_->Get(kPhones, "busy");
      if (!p) break;
      (*p)["metadata"]["labels"]["touch"] = std::to_string(i);
      api_->Replace(kPhones, "busy", *p);
      std::this_thread::sleep_for(5ms);
    }
  });
  c.Start();
  bool done = Eventually([&] {
    return api_->Get(kPods, "phone-busy").has_value() && Phase(api_->Get(kPhones, "busy")) == "Pending";
  }, 15s);
  stop = true;
  writer.join();
  EXPECT_TRUE(done);
  Json phone = *api_->Get(kPhones, "busy");
  EXPECT_EQ(phone["metadata"]["finalizers"], Json{kFinalizer});
  RecordProperty("conflicts", api_->counters().conflicts);
  c.Stop();
}

}  // namespace
}  // namespace vmi::cluster

namespace vmi::cluster {
namespace {

TEST(KubeConfigTest, KubeconfigFileAndItsErrors) {
  char tmpl[] = "/tmp/vmi-kubeconfig-XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  std::string path = tmpl;
  auto write = [&](const Json& j) {
    FILE* f = fopen(path.c_str(), "w");
    fputs(j.dump().c_str(), f);
    fclose(f);
  };
  write({{"current-context", "dev"},
         {"contexts", {{{"name", "dev"}, {"context", {{"cluster", "c1"}, {"user", "u1"}, {"namespace", "phones"}}}}}},
         {"clusters", {{{"name", "c1"}, {"cluster", {{"server", "https://10.0.0.1:6443"}, {"certificate-authority", "/etc/ca.pem"}}}}}},
         {"users", {{{"name", "u1"}, {"user", {{"token", "secret-token"}}}}}}});
  auto c = KubeconfigFile(path);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->server, "https://10.0.0.1:6443");
  EXPECT_EQ(c->ca_file, "/etc/ca.pem");
  EXPECT_EQ(c->token, "secret-token");
  EXPECT_EQ(c->ns, "phones");
  // Shapes that are wrong give errors, never exceptions.
  for (const Json& bad : {Json{{"current-context", "nope"}, {"contexts", Json::array()}},
                          Json{{"current-context", "dev"}, {"contexts", {{{"name", "dev"}}}}},
                          Json{{"current-context", 5}},
                          Json{{"current-context", "dev"},
                               {"contexts", {{{"name", "dev"}, {"context", {{"cluster", "c1"}}}}}},
                               {"clusters", {{{"name", "c1"}, {"cluster", {{"server", 7}}}}}}}}) {
    write(bad);
    auto r = KubeconfigFile(path);
    EXPECT_FALSE(r.ok()) << bad.dump();
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << r.error().ToString();
    }
  }
  unlink(path.c_str());
  EXPECT_EQ(ResourcePath("v1", "ns", "pods", "p"), "/api/v1/namespaces/ns/pods/p");
  EXPECT_EQ(ResourcePath("vmi.dev/v1", "ns", "phones"), "/apis/vmi.dev/v1/namespaces/ns/phones");
}

}  // namespace
}  // namespace vmi::cluster
