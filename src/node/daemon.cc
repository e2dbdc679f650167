#include "node/daemon.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <csignal>
#include <iostream>

#include "api/http/server.h"
#include "api/http/static_files.h"
#include "api/management.h"
#include "api/metrics/connection_metrics.h"
#include "apps/app_service.h"
#include "base/file.h"
#include "base/log.h"
#include "base/stop_signals.h"
#include "node/access.h"
#include "node/api_routes.h"
#include "node/image_catalog.h"
#include "node/device_controls.h"
#include "node/instance_events.h"
#include "node/instance_manager.h"
#include "node/instance_metrics.h"
#include "node/metrics_listener.h"
#include "node/node_api.h"
#include "node/call_audio.h"
#include "node/phone_service.h"
#ifdef VMI_HAVE_LIVE
#include "node/live/live_metrics.h"
#include "node/live/devhost_routes.h"
#include "node/live/device_hosts.h"
#endif
#include "node/sql_instance_repository.h"
#include "runtime/core/host_info.h"
#include "store/database.h"
#include "store/migrations.h"

namespace vmi::node {
namespace {

std::string ExeDir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string p(buf, n);
  return p.substr(0, p.rfind('/'));
}

}  // namespace

Result<void> RunDaemon(DaemonOptions o) {
  // Block the stop signals in every thread; the main thread waits for them.
  BlockStopSignals();

  if (geteuid() != 0)
    return Error(ErrorCode::kPermissionDenied,
                 "vmi serve runs as root (it creates namespaces, mounts and cgroups)");
  const std::string exe_dir = ExeDir();
  if (o.guest_kit.empty()) o.guest_kit = exe_dir + "/../guest-kit";
  if (o.monitor_path.empty()) o.monitor_path = exe_dir + "/vmi-monitor";
  if (o.devhost_path.empty()) o.devhost_path = exe_dir + "/vmi-devhost";
  // An installed copy (the OCI image of vmi, deploy/oci) keeps the console,
  // the image definitions and the API document in VMI_SHARE_DIR instead of
  // the source tree the build points at.
  if (const char* share = getenv("VMI_SHARE_DIR"); share && *share) {
    if (o.web_root.empty()) o.web_root = std::string(share) + "/web";
    if (o.image_definitions.empty()) o.image_definitions = std::string(share) + "/images";
    if (o.openapi_path.empty()) o.openapi_path = std::string(share) + "/openapi.json";
  }
  if (o.modem_path.empty()) o.modem_path = exe_dir + "/vmi-modem";
  if (o.web_root.empty()) o.web_root = VMI_DEFAULT_WEB_ROOT;
  if (o.image_definitions.empty()) o.image_definitions = VMI_DEFAULT_IMAGE_DEFINITIONS;
  char real[PATH_MAX];
  if (realpath(o.guest_kit.c_str(), real)) o.guest_kit = real;
  if (!PathExists(o.guest_kit + "/bin/vmi-init"))
    return Error(ErrorCode::kFailedPrecondition,
                 "guest kit " + o.guest_kit + " has no bin/vmi-init: build the project first");
  VMI_CHECK_OK(MakeDirs(o.data_dir, 0711), "data directory");
  if (realpath(o.data_dir.c_str(), real)) o.data_dir = real;

  auto host = VMI_TRY_CTX(runtime::ProbeHost(o.runtime), "probe host");
  VMI_LOG(INFO) << "runtime " << host.runtime << " (" << host.runtime_version << "), cgroup "
                << runtime::CgroupModeName(host.cgroup_mode)
                << (host.hide_cgroup2_controllers ? " with the crun hybrid workaround" : "")
                << ", binder " << (host.binderfs ? "yes" : "no");

  std::string db_url = o.database.empty() ? "sqlite://" + o.data_dir + "/vmi.db" : o.database;
  auto db = VMI_TRY_CTX(store::Database::Open(db_url), "open database");
  // A database from a development build before the management layer kept
  // instance rows in a table of the same name, unknown to the migrations.
  auto legacy = db->backend() == store::Backend::kSqlite
                    ? db->QueryOne("SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations'")
                    : Result<std::optional<store::Row>>(std::optional<store::Row>());
  if (legacy.ok() && legacy->has_value()) {
    return Error(ErrorCode::kFailedPrecondition,
                 "database " + db->display_url() +
                     " comes from a development build of vmi older than users and quotas; "
                     "remove the instances with that build, then move the data directory away");
  }
  store::Migrations migrations;
  api::Management::AddMigrations(migrations);  // users first: instances reference them
  AddInstanceMigrations(migrations);
  AddPhoneMigrations(migrations);
  VMI_CHECK_OK(migrations.Apply(*db), "migrate database " + db->display_url());
  VMI_LOG(INFO) << "database " << db->display_url();

  api::ManagementOptions mopt;
  mopt.openapi_path = o.openapi_path.empty() ? VMI_DEFAULT_OPENAPI : o.openapi_path;
  auto mgmt = VMI_TRY_CTX(api::Management::Create(db.get(), mopt), "management");
  auto first_admin = VMI_TRY_CTX(mgmt->EnsureAdmin(), "first-run admin");

  // An instance row and its owner's quota move in one transaction.
  auto repo = std::make_unique<SqlInstanceRepository>(db.get());
  repo->SetAdmission(
      [&mgmt](store::Tx& tx, const InstanceRecord& r) {
        return mgmt->quotas().Reserve(tx, r.owner_id, QuotaUsage(r));
      },
      [&mgmt](store::Tx& tx, const InstanceRecord& r) {
        return mgmt->quotas().Release(tx, r.owner_id, QuotaUsage(r));
      });
  auto images = VMI_TRY_CTX(CreateImageCatalog(o.data_dir, o.image_definitions + "/linux-mobile",
                                                               o.guest_kit),
                            "image store");

  // The default image is built from the host's own tree, with no download.
  if (!images->Resolve("linux-mobile").ok()) {
    VMI_LOG(INFO) << "building the default image linux-mobile from the host tree";
    auto built = images->Build("linux-mobile", "linux-mobile", false);
    if (!built.ok()) VMI_LOG(WARN) << "default image: " << built.error().ToString();
  }

  ManagerOptions mo;
  mo.data_dir = o.data_dir;
  mo.guest_kit = o.guest_kit;
  mo.monitor_path = o.monitor_path;
  if (const char* inject = std::getenv("VMI_INJECT_FAILURE")) mo.inject_failure = inject;
  auto manager = VMI_TRY(InstanceManager::Create(mo, host, repo.get(), images.get()));
  VMI_CHECK_OK(manager->Reconcile(), "reconcile instances");

  auto events = InstanceEvents::Create(*manager, MakeAccessCheck(*mgmt));  // before the manager
  AddInstanceMetrics(mgmt->metrics(), *manager);
  PhoneOptions po;
  po.state_dir = o.data_dir + "/modem";
  po.modem_binary = o.modem_path;
  if (!o.phone_range.empty()) po.range = o.phone_range;
  po.modem_uplink = o.modem_uplink;
#ifdef VMI_HAVE_LIVE
  // Each running instance's modem lives in its device host (below).
  po.modems_in_device_hosts = true;
#endif
  InstanceEvents* event_stream = events.get();
  // In-call audio follows the phone events; it outlives the phone service.
  std::atomic<PhoneService*> phone_ptr{nullptr};
  CallAudio call_audio([&phone_ptr](const std::string& number) {
    PhoneService* p = phone_ptr.load();
    return p ? p->InstanceOf(number) : std::string();
  });
  po.on_restart = [&call_audio] { call_audio.OnModemRestart(); };
  // Telephony is a device service: without it the node still runs.
  auto phone = PhoneService::Create(
      po, db.get(), *manager,
      [event_stream, &call_audio](const std::string& id, const nlohmann::json& e) {
        call_audio.OnPhoneEvent(id, e);
        event_stream->PublishPhone(id, e);
      });
  if (!phone.ok()) {
    if (!o.phone_range.empty()) return std::move(phone).error().Context("telephony");
    VMI_LOG(WARN) << "no telephony: " << phone.error().ToString();
  }
  std::unique_ptr<PhoneService> phone_service = phone.ok() ? std::move(*phone) : nullptr;
  phone_ptr = phone_service.get();
  NodeServices services{mgmt.get(), manager.get(), images.get(), events.get()};
  services.phone = phone_service.get();
  apps::AppService::Options app_options;
  if (const char* q = std::getenv("VMI_APP_QUOTA")) {
    app_options.quota_bytes =
        static_cast<uint64_t>(VMI_TRY_CTX(runtime::ParseSize(q), "VMI_APP_QUOTA"));
  }
  apps::AppService app_service(app_options);
  services.apps = &app_service;
  // Battery and the other device settings the node applies itself; its
  // changes go to the event stream, which it must not outlive.
  DeviceControls device_controls(*manager, [event_stream](const InstanceRecord& r,
                                                          const nlohmann::json& data) {
    event_stream->Publish("device", r, data);
  });
  services.devices = &device_controls;
  services.spool_dir = o.data_dir + "/spool";
  VMI_CHECK_OK(RemoveTree(services.spool_dir), "clear upload spool");
  VMI_CHECK_OK(MakeDirs(services.spool_dir, 0700), "upload spool");
#ifdef VMI_HAVE_LIVE
  // Viewer caps (docs/security.md): 16 per instance, 32 per user. Before the
  // device hosts, whose leases hold tickets, so it outlives them.
  live::ViewerLimits viewer_limits;
  live::DeviceHostOptions dho;
  dho.devhost_path = o.devhost_path;
  if (phone_service) dho.modem_line = po.state_dir + "/line.sock";
  dho.on_event = [&events](const InstanceRecord& r, const nlohmann::json& data) {
    if (events) events->Publish("device_host", r, data);
  };
  // Destroyed before the manager; the device hosts keep running.
  auto device_hosts =
      VMI_TRY_CTX(live::DeviceHosts::Create(*manager, std::move(dho)), "device hosts");
  services.device_hosts = device_hosts.get();
  // Ended right after the server stops (their WebSockets are the server's).
  auto vnc_bridges = std::make_unique<api::SocketBridges>();
  services.vnc_bridges = vnc_bridges.get();
  live::AddDeviceHostMetrics(mgmt->metrics(), *device_hosts, &viewer_limits);
  // Calls between instances link their device hosts' sound cards; the
  // device hosts link them again after one of them is restarted.
  live::DeviceHosts* hosts = device_hosts.get();
  call_audio.SetBridge({[hosts](const std::string& a, const std::string& b) {
                          if (auto r = hosts->LinkCall(a, b); !r.ok())
                            VMI_ILOG(WARN, a) << "in-call audio: " << r.error().ToString();
                        },
                        [hosts](const std::string& id) { hosts->EndCall(id); }});
#endif
  api::Router router;
  RegisterNodeApi(router, services);
  if (IsDirectory(o.web_root)) {
    router.SetFallback(api::StaticFilesHandler({.root = o.web_root}));
  }

  api::ServerOptions so;
  so.unix_path = o.unix_path;
  so.tcp_host = o.tcp_host;
  so.tcp_port = o.tcp_port;
  so.tls_cert_file = o.tls_cert;
  so.tls_key_file = o.tls_key;
  so.on_response = mgmt->ResponseObserver();
#ifdef VMI_HAVE_LIVE
  // Viewers go to the instance's device host once authorized.
  so.handoff = live::DeviceHostHandoff(*device_hosts, MakeAccessCheck(*mgmt), &viewer_limits);
#endif
  if (!o.unix_path.empty()) MakeDirs(o.unix_path.substr(0, o.unix_path.rfind('/'))).ok();
  auto server = VMI_TRY_CTX(api::Server::Start(so, router), "start API server");
  api::AddConnectionMetrics(mgmt->metrics(), *server);
  auto metrics_server = VMI_TRY(MetricsListener::Start(o.metrics_host, o.metrics_port, *mgmt));
  std::string scheme = o.tls_cert.empty() ? "http" : "https";
  std::cout << "vmi is running.\n"
            << "  console:  " << scheme << "://" << o.tcp_host << ":" << server->tcp_port() << "/\n"
            << "  API:      " << scheme << "://" << o.tcp_host << ":" << server->tcp_port()
            << "/api/v1/  and unix://" << o.unix_path << "\n"
            << "  CLI:      vmi ls   (build/bin/vmi)\n"
            << "  data:     " << o.data_dir << " (database " << db->display_url() << ")\n";
  if (first_admin) {
    if (std::getenv("VMI_ADMIN_PASSWORD"))
      std::cout << "  login:    admin, with the password from VMI_ADMIN_PASSWORD\n";
    else
      std::cout << "  login:    admin\n"
                << "admin password: " << *first_admin << "\n"
                << "  (shown once: write it down, or change it in the console)\n";
  }
  std::cout << std::flush;
  auto sig = VMI_TRY(WaitForStopSignal());
  VMI_LOG(INFO) << "signal " << sig << ": stopping the daemon; instances keep running";
  server->Stop();
  if (metrics_server) metrics_server->Stop();
#ifdef VMI_HAVE_LIVE
  vnc_bridges.reset();
  call_audio.ClearBridge();  // the phone service's events may still come
  device_hosts.reset();      // its crash events go to `events`; the hosts keep running
#endif
  phone_service.reset();  // before the event stream it publishes to
  events.reset();
  return Ok();
}

}  // namespace vmi::node
