// Every route registered in the Router must be in docs/api/openapi.json.
// The daemon's own test runs UndocumentedRoutes on its complete router;
// this one covers the management routes of api/ and a sample of the node's.
#include "api/openapi.h"

#include <gtest/gtest.h>

#include "api/management.h"
#include "store/testing/postgres_server.h"

namespace vmi::api {
namespace {

TEST(OpenApiTest, EveryManagementRouteIsDocumented) {
  auto doc = LoadOpenApi(VMI_OPENAPI_PATH);
  ASSERT_TRUE(doc.ok()) << doc.error().ToString();
  auto url = store::testing::FreshDatabaseUrl("sqlite");
  ASSERT_TRUE(url.ok());
  auto db = store::Database::Open(*url);
  ASSERT_TRUE(db.ok());
  auto mgmt = Management::Create(db->get(), {});
  ASSERT_TRUE(mgmt.ok());
  Router router;
  (*mgmt)->Register(router);
  EXPECT_GT(router.Routes().size(), 10u);
  for (const auto& missing : UndocumentedRoutes(router, *doc)) {
    ADD_FAILURE() << "route not in " << VMI_OPENAPI_PATH << ": " << missing;
  }
  // A route the document does not know is caught.
  router.Handle("GET", "/api/v1/undocumented/{x*}", [](Request&) -> Result<Response> {
    return Response::NoContent();
  });
  auto missing = UndocumentedRoutes(router, *doc);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0], "GET /api/v1/undocumented/{x}");
  // Documented operations under the management prefixes all have routes
  // (the node's own routes are checked with the daemon's complete router by
  // src/node/node_api_test.cc).
  for (const auto& op : UnroutedOperations(router, *doc)) {
    bool management = op.find("/api/v1/instances") == std::string::npos &&
                      op.find("/api/v1/images") == std::string::npos &&
                      op.find("/api/v1/node") == std::string::npos &&
                      op.find("/api/v1/events") == std::string::npos &&
                      op.find("/api/v1/audio") == std::string::npos &&
                      op.find("/api/v1/batch") == std::string::npos;
    EXPECT_FALSE(management) << "documented but not routed: " << op;
  }
}

}  // namespace
}  // namespace vmi::api
