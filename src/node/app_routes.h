// The app API's routes (docs/apps.md), on top of apps::AppService:
//
//   GET    /api/v1/instances/{id}/apps                  list (+ the install in progress)
//   POST   /api/v1/instances/{id}/apps?file=NAME        install: the body is the file,
//                                                       streamed to the spool directory
//   DELETE /api/v1/instances/{id}/apps/{app}            remove
//   POST   /api/v1/instances/{id}/apps/{app}/start      launch (?entry=N)
//
// Access: list -> "inspect" (read); install and remove -> "exec" (they run
// code inside the instance); start -> "control".
#pragma once

#include <string>

#include "api/http/router.h"
#include "apps/app_service.h"
#include "node/api_routes.h"
#include "node/image_resolver.h"
#include "node/instance_manager.h"

namespace vmi::node {

struct AppRouteOptions {
  std::string spool_dir;  // where uploads are streamed to (created by the caller)
  uint64_t max_upload_bytes = 2ull << 30;
};

void RegisterAppRoutes(api::Router& router, InstanceManager& instances, ImageResolver& images,
                       apps::AppService& service, AppRouteOptions options,
                       InstanceRouteHooks hooks = {});

}  // namespace vmi::node
