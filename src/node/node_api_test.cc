// The node's complete router, composed exactly as the daemon composes it
// (management, instances, images, node, events and, in builds with the live
// view, the live routes), checked against the OpenAPI document in both
// directions: every route is documented and every documented operation has
// a route. Root only (the instance manager probes the host's runtime).
#include "node/node_api.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "api/openapi.h"
#include "apps/app_service.h"
#include "base/file.h"
#include "base/temp_dir.h"
#include "node/access.h"
#include "node/device_controls.h"
#include "node/phone_service.h"
#include "node/sql_instance_repository.h"
#include "runtime/core/host_info.h"
#include "store/testing/postgres_server.h"
#ifdef VMI_HAVE_LIVE
#include "node/live/device_hosts.h"
#endif

namespace vmi::node {
namespace {

TEST(NodeApiTest, EveryRouteIsDocumentedAndEveryOperationRouted) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (host probe)";
  auto tmp = TempDir::Create("vmi-node-api");
  ASSERT_TRUE(tmp.ok()) << tmp.error().ToString();
  const std::string dir = tmp->path();
  {
    auto db = store::Database::Open("sqlite://" + dir + "/vmi.db");
    ASSERT_TRUE(db.ok());
    store::Migrations m;
    api::Management::AddMigrations(m);
    AddInstanceMigrations(m);
    AddPhoneMigrations(m);
    ASSERT_TRUE(m.Apply(**db).ok());
    auto mgmt = api::Management::Create(db->get(), {});
    ASSERT_TRUE(mgmt.ok());
    SqlInstanceRepository repo(db->get());
    auto images = CreateImageCatalog(dir, VMI_SOURCE_IMAGES "/linux-mobile");
    ASSERT_TRUE(images.ok()) << images.error().ToString();
    auto host = runtime::ProbeHost("");
    ASSERT_TRUE(host.ok()) << host.error().ToString();
    ManagerOptions mo;
    mo.data_dir = dir;
    auto manager = InstanceManager::Create(mo, *host, &repo, images->get());
    ASSERT_TRUE(manager.ok()) << manager.error().ToString();
    auto events = InstanceEvents::Create(**manager, MakeAccessCheck(**mgmt));
    NodeServices s{mgmt->get(), manager->get(), images->get(), events.get()};
    auto phone = PhoneService::Create({dir + "/modem", VMI_MODEM_BINARY}, db->get(), **manager,
                                      nullptr);
    ASSERT_TRUE(phone.ok()) << phone.error().ToString();
    s.phone = phone->get();
    apps::AppService app_service({});
    s.apps = &app_service;
    s.spool_dir = dir;
    DeviceControls devices(**manager, nullptr);
    s.devices = &devices;
#ifdef VMI_HAVE_LIVE
    // No instance runs, so no device host is started: any executable will do.
    live::DeviceHostOptions dho;
    dho.devhost_path = "/bin/true";
    auto hosts = live::DeviceHosts::Create(**manager, std::move(dho));
    ASSERT_TRUE(hosts.ok()) << hosts.error().ToString();
    s.device_hosts = hosts->get();
    api::SocketBridges vnc_bridges;
    s.vnc_bridges = &vnc_bridges;
#endif
    api::Router router;
    RegisterNodeApi(router, s);

    auto doc = api::LoadOpenApi(VMI_SOURCE_OPENAPI);
    ASSERT_TRUE(doc.ok()) << doc.error().ToString();
    auto undocumented = api::UndocumentedRoutes(router, *doc);
    EXPECT_TRUE(undocumented.empty())
        << "not in docs/api/openapi.json: " << ::testing::PrintToString(undocumented);
    auto unrouted = api::UnroutedOperations(router, *doc);
    EXPECT_TRUE(unrouted.empty()) << "documented but not routed: "
                                  << ::testing::PrintToString(unrouted);
    EXPECT_GT(router.Routes().size(), 30u);
    if (HaveLiveView()) {
      bool stream = false;
      for (const auto* r : router.Routes()) stream |= r->pattern == "/api/v1/instances/{id}/stream";
      EXPECT_TRUE(stream) << "the live routes are part of the composition";
    }
    bool apps = false;
    for (const auto* r : router.Routes()) apps |= r->pattern == "/api/v1/instances/{id}/apps";
    EXPECT_TRUE(apps) << "the app routes are part of the composition";
    bool battery = false;
    for (const auto* r : router.Routes())
      battery |= r->pattern == "/api/v1/instances/{id}/devices/battery";
    EXPECT_TRUE(battery) << "the device routes are part of the composition";
  }
}

}  // namespace
}  // namespace vmi::node
