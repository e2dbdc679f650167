#include "node/kube_daemon.h"

#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <iostream>

#include "api/http/server.h"
#include "api/http/static_files.h"
#include "api/management.h"
#include "api/metrics/connection_metrics.h"
#include "base/file.h"
#include "base/log.h"
#include "base/secret.h"
#include "base/stop_signals.h"
#include "base/temp_dir.h"
#include "cluster/controller.h"
#include "node/access.h"
#include "node/instance_events.h"
#include "node/kube_ledger.h"
#include "node/kube_phones.h"
#include "node/kube_proxy.h"
#include "node/kube_routes.h"
#include "node/kube_telephony.h"
#include "node/metrics_listener.h"
#include "node/phone_service.h"
#include "store/database.h"
#include "store/migrations.h"

namespace vmi::node {
namespace {

std::string Identity() {
  if (const char* pod = getenv("POD_NAME"); pod && *pod) return pod;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return std::string(host) + "-" + std::to_string(getpid());
}

void AddControllerMetrics(api::MetricsRegistry& metrics, const cluster::Controller& c) {
  metrics.AddCollector([&c](api::MetricsWriter& w) {
    w.Gauge("vmi_controller_leader", "1 while this replica holds the controller's Lease", {},
            c.leader() ? 1 : 0);
    w.Gauge("vmi_controller_synced", "1 once the Phone, Pod and claim caches are filled", {},
            c.synced() ? 1 : 0);
    w.Counter("vmi_controller_reconciles_total", "Phone reconciles done", {}, c.reconciles());
    w.Counter("vmi_controller_conflicts_total", "writes answered 409 Conflict (retried)", {},
              c.conflicts());
    w.Counter("vmi_controller_released_total", "Phones whose finalizer was released", {},
              c.released());
  });
}

}  // namespace

Result<void> RunKubernetesDaemon(DaemonOptions o) {
  BlockStopSignals();

  if (o.database.rfind("postgresql://", 0) != 0 && o.database.rfind("postgres://", 0) != 0)
    return Error(ErrorCode::kInvalidArgument,
                 "--kubernetes needs --database postgresql://...: the control plane's replicas "
                 "share one database, and SQLite cannot be shared");
  cluster::KubeConfig config =
      o.kubeconfig.empty() ? VMI_TRY_CTX(cluster::InClusterConfig(), "in-cluster config")
                           : VMI_TRY_CTX(cluster::KubeconfigFile(o.kubeconfig), "kubeconfig");
  if (o.phones_namespace.empty()) o.phones_namespace = config.ns.empty() ? "vmi-phones" : config.ns;
  if (o.lease_namespace.empty()) o.lease_namespace = config.ns.empty() ? "default" : config.ns;
  if (const char* share = getenv("VMI_SHARE_DIR"); share && *share) {
    if (o.web_root.empty()) o.web_root = std::string(share) + "/web";
    if (o.openapi_path.empty()) o.openapi_path = std::string(share) + "/openapi.json";
  }

  auto db = VMI_TRY_CTX(store::Database::Open(o.database), "open database");
  store::Migrations migrations;
  api::Management::AddMigrations(migrations);
  AddPhoneMigrations(migrations);
  KubeLedger::AddMigrations(migrations);
  VMI_CHECK_OK(migrations.Apply(*db), "migrate database " + db->display_url());

  api::ManagementOptions mopt;
  mopt.openapi_path = o.openapi_path;
  mopt.trust_local_root = false;  // no local root in a control-plane Pod
  auto mgmt = VMI_TRY_CTX(api::Management::Create(db.get(), mopt), "management");
  auto first_admin = VMI_TRY_CTX(mgmt->EnsureAdmin(), "first-run admin");

  auto range = VMI_TRY_CTX(telephony::NumberRange::Parse(
                               o.phone_range.empty() ? telephony::NumberRange::kDefault : o.phone_range),
                           "--phone-range");
  KubeLedger ledger(db.get(), mgmt.get(), range);
  // Phones' gate tokens are made with this key (cluster/gate_token.h); the
  // first replica makes it, the others read it.
  std::string gate_key = VMI_TRY_CTX(ledger.Setting("gate_key", RandomHex(32)), "gate key");

  cluster::ControllerOptions co;
  co.config = config;
  co.phones_namespace = o.phones_namespace;
  co.lease_namespace = o.lease_namespace;
  co.identity = Identity();
  co.pod.devhost_image = o.devhost_image;
  co.pod.gate_port = o.gate_port;
  co.pod.gate_key = gate_key;
  // A stopping replica waits for its watches to end: keep that well inside
  // a Pod's termination grace period.
  co.watch_timeout_seconds = 15;
  // GET /api/v1/events: every replica follows the Phones through the
  // controller's informer (its cache is the snapshot), whether it leads or
  // not. Made before the informers start; they stop before it goes.
  std::unique_ptr<InstanceEvents> events;
  api::Management* m = mgmt.get();
  // Telephony: the cluster's vmi-modem, if there is one (kube_telephony.h).
  std::unique_ptr<KubeTelephony> telephony;
  if (!o.modem.empty()) {
    if (o.modem_lines.empty())
      return Error(ErrorCode::kInvalidArgument,
                   "--modem needs --modem-lines (vmi-modem's line port as the Pods reach it)");
    const char* token = getenv("VMI_MODEM_TOKEN");
    if (!token || std::strlen(token) < 32)
      return Error(ErrorCode::kInvalidArgument,
                   "--modem needs vmi-modem's control token (32 characters or more) in "
                   "$VMI_MODEM_TOKEN");
    telephony = VMI_TRY_CTX(
        KubeTelephony::Start({.address = o.modem, .token = token, .gate_key = gate_key}, db.get(),
                             [&events](const std::string& phone, const nlohmann::json& e) {
                               if (events) events->PublishPhone(phone, e);
                             }),
        "modem service");
    unsetenv("VMI_MODEM_TOKEN");
    co.pod.modem_lines = o.modem_lines;
  }
  co.admit = [&ledger, &telephony](const cluster::Phone& p) {
    auto number = ledger.Admit(p);
    if (number.ok() && telephony) telephony->Line(p, *number);
    return number;
  };
  co.release = [&ledger, &telephony](const cluster::Phone& p) {
    if (telephony) telephony->Remove(p);
    return ledger.Release(p);
  };
  co.on_phone = [&events, m](const cluster::Json& obj, bool gone) {
    auto p = cluster::ParsePhone(obj);
    if (!events || !p.ok()) return;
    int64_t owner = PhoneOwnerId(*m, *p);
    if (gone)
      events->Publish("removed", PhoneRecord(*p, owner), api::Json::object());
    else
      events->Publish("instance", PhoneRecord(*p, owner), PhoneInstanceJson(*p, owner));
  };
  cluster::Controller controller(co);
  events = InstanceEvents::Create(
      [&controller, m] {
        std::vector<std::pair<InstanceRecord, nlohmann::json>> out;
        for (const auto& name : controller.phones().Names()) {
          auto obj = controller.phones().Get(name);
          auto p = obj ? cluster::ParsePhone(*obj) : Result<cluster::Phone>(Error(ErrorCode::kNotFound, name));
          if (!p.ok()) continue;
          int64_t owner = PhoneOwnerId(*m, *p);
          out.emplace_back(PhoneRecord(*p, owner), PhoneInstanceJson(*p, owner));
        }
        return out;
      },
      [&controller, m](const std::string& id) -> std::optional<InstanceRecord> {
        auto obj = controller.phones().Get(id);
        auto p = obj ? cluster::ParsePhone(*obj) : Result<cluster::Phone>(Error(ErrorCode::kNotFound, id));
        if (!p.ok()) return std::nullopt;
        return PhoneRecord(*p, PhoneOwnerId(*m, *p));
      },
      MakeAccessCheck(*mgmt));
  controller.Start();
  AddControllerMetrics(mgmt->metrics(), controller);

  KubePhones phones({.config = config,
                     .ns = o.phones_namespace,
                     .image_prefix = o.phone_image_prefix,
                     .image_tag = o.phone_image_tag});
  api::Router router;
  mgmt->Register(router);
  RegisterKubeInstanceRoutes(router, *mgmt, phones, ledger, telephony.get());
  events->Register(router);
  // App uploads pass through here on their way to a Pod (the Deployment
  // mounts an emptyDir at /tmp); the directory goes with the process.
  const char* tmp = getenv("TMPDIR");
  TempDir spool = VMI_TRY_CTX(TempDir::Create("vmi-spool", tmp && *tmp ? tmp : "/tmp"),
                              "upload spool");
  KubeProxyOptions proxy{.gate_port = o.gate_port, .gate_key = gate_key, .spool_dir = spool.path()};
  RegisterKubeLiveRoutes(router, *mgmt, phones, proxy);
  auto relays = std::make_unique<ViewerRelays>(*mgmt, phones, proxy);
  if (!o.web_root.empty() && IsDirectory(o.web_root))
    router.SetFallback(api::StaticFilesHandler({.root = o.web_root}));

  api::ServerOptions so;
  so.unix_path = o.unix_path;
  so.unix_mode = 0600;
  so.tcp_host = o.tcp_host;
  so.tcp_port = o.tcp_port;
  so.tls_cert_file = o.tls_cert;
  so.tls_key_file = o.tls_key;
  so.on_response = mgmt->ResponseObserver();
  so.handoff = [&relays](api::Request& req, const api::Route& route, api::HandedOffSocket& s) {
    return relays->Handoff(req, route, s);
  };
  if (!o.unix_path.empty()) MakeDirs(o.unix_path.substr(0, o.unix_path.rfind('/'))).ok();
  auto server = VMI_TRY_CTX(api::Server::Start(so, router), "start API server");
  api::AddConnectionMetrics(mgmt->metrics(), *server);
  auto metrics_server = VMI_TRY(MetricsListener::Start(o.metrics_host, o.metrics_port, *mgmt));

  std::string scheme = o.tls_cert.empty() ? "http" : "https";
  std::cout << "vmi is running (Kubernetes control plane " << co.identity << ").\n"
            << "  API:      " << scheme << "://" << o.tcp_host << ":" << server->tcp_port()
            << "/api/v1/\n"
            << "  phones:   namespace " << o.phones_namespace << " on " << config.server
            << " (lease in " << o.lease_namespace << ")\n"
            << "  database: " << db->display_url() << "\n";
  if (metrics_server)
    std::cout << "  metrics:  http://" << o.metrics_host << ":" << metrics_server->port()
              << "/metrics\n";
  if (first_admin) {
    if (std::getenv("VMI_ADMIN_PASSWORD"))
      std::cout << "  login:    admin, with the password from VMI_ADMIN_PASSWORD\n";
    else
      std::cout << "  login:    admin\nadmin password: " << *first_admin
                << "\n  (shown once: write it down, or change it in the console)\n";
  }
  std::cout << std::flush;
  int sig = VMI_TRY(WaitForStopSignal());
  VMI_LOG(INFO) << "signal " << sig << ": stopping the control plane";
  server->Stop();
  relays.reset();
  if (metrics_server) metrics_server->Stop();
  controller.Stop();  // gives the Lease up; no more Phone changes
  events.reset();
  return Ok();
}

}  // namespace vmi::node
