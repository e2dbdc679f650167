// The node's REST routes for instances, images and the node itself,
// registered on the daemon's Router. Handlers translate HTTP to manager
// calls; all policy lives in the managers.
#pragma once

#include <functional>

#include "api/http/router.h"
#include "node/instance_manager.h"

namespace vmi::node {

class ImageCatalog;

// Authorization hook: every instance route asks it before acting. The
// default (null) allows everything, as on a single-user node reached through
// the local socket.
using InstanceAccessCheck =
    std::function<Result<void>(const api::Request&, const InstanceRecord&, const char* action)>;

void RegisterInstanceRoutes(api::Router& router, InstanceManager& instances,
                            InstanceAccessCheck check = nullptr);
void RegisterImageRoutes(api::Router& router, ImageCatalog& images, InstanceManager& instances);
void RegisterNodeRoutes(api::Router& router, InstanceManager& instances);

}  // namespace vmi::node
