// Reconcile throughput of the Phone controller against the in-test API
// server (src/cluster/testing/fake_apiserver.h), over real HTTP on loopback:
// Phones/s from creation to their desired Pod existing, and to their status
// being written, with the anchor measured by the same server in the same
// run: plain POSTs/s from one client (each Phone costs about five writes:
// finalizer, claim, Pod, status, event). Prints JSON lines.
//   vmi_reconcile_bench [PHONES] [WORKERS]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "cluster/controller.h"
#include "cluster/testing/fake_apiserver.h"

using namespace vmi::cluster;
using Clock = std::chrono::steady_clock;

static double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 300;
  int workers = argc > 2 ? atoi(argv[2]) : 2;
  auto api = testing::FakeApiServer::Start({.bookmark_interval = std::chrono::milliseconds(1000)});
  if (!api.ok()) return 1;
  KubeConfig config{.server = (*api)->url()};
  auto client = KubeClient::Create(config);
  if (!client.ok()) return 1;

  // Anchor: n plain creates from one client.
  auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
               {"metadata", {{"name", "anchor-" + std::to_string(i)}, {"namespace", "anchor"}}}};
    auto r = (*client)->Post("/api/v1/namespaces/anchor/configmaps", cm);
    if (!r.ok() || r->status != 201) return 1;
  }
  double anchor = n / Seconds(t0, Clock::now());
  printf("{\"bench\":\"reconcile\",\"figure\":\"api_posts_per_s\",\"value\":%.0f,\"n\":%d}\n", anchor, n);

  Controller c({.config = config, .phones_namespace = "phones", .lease_namespace = "vmi",
                .identity = "bench", .workers = workers, .watch_timeout_seconds = 60,
                .lease_duration = std::chrono::milliseconds(5000),
                .lease_retry = std::chrono::milliseconds(200)});
  c.Start();
  while (!c.leader() || !c.synced()) std::this_thread::sleep_for(std::chrono::milliseconds(10));

  const std::string phones = "/apis/vmi.dev/v1/namespaces/phones/phones";
  const std::string pods = "/api/v1/namespaces/phones/pods";
  t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    Json p = {{"apiVersion", "vmi.dev/v1"}, {"kind", "Phone"},
              {"metadata", {{"name", "p" + std::to_string(i)}, {"namespace", "phones"}}},
              {"spec", {{"image", "reg.example/vmi/lm:1"}, {"owner", "bench"}}}};
    auto r = (*client)->Post(phones, p);
    if (!r.ok() || r->status != 201) return 1;
  }
  double created = Seconds(t0, Clock::now());
  Clock::time_point all_pods{}, all_status{};
  while (Seconds(t0, Clock::now()) < 300) {
    size_t with_pod = (*api)->List(pods).size();
    if (with_pod >= static_cast<size_t>(n) && all_pods == Clock::time_point{}) all_pods = Clock::now();
    size_t with_status = 0;
    for (const auto& ph : (*api)->List(phones))
      if (JsonString(ph, {"status", "phase"}) == "Pending") ++with_status;
    if (with_status == static_cast<size_t>(n) && all_pods != Clock::time_point{}) {
      all_status = Clock::now();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (all_status == Clock::time_point{}) {
    printf("{\"bench\":\"reconcile\",\"error\":\"not all phones reconciled in 300 s\"}\n");
    return 1;
  }
  printf("{\"bench\":\"reconcile\",\"figure\":\"phones_to_pod_per_s\",\"value\":%.0f,\"n\":%d,\"workers\":%d,\"create_s\":%.3f}\n",
         n / Seconds(t0, all_pods), n, workers, created);
  printf("{\"bench\":\"reconcile\",\"figure\":\"phones_to_status_per_s\",\"value\":%.0f,\"n\":%d,\"workers\":%d,\"conflicts\":%d,\"api_writes\":%d}\n",
         n / Seconds(t0, all_status), n, workers, (*api)->counters().conflicts, (*api)->counters().writes);
  c.Stop();
  return 0;
}
