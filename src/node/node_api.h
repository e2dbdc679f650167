// The node's whole HTTP API on one Router: management (authentication
// middleware, users, tokens, audit, metrics, OpenAPI), instances, images,
// the node, the event stream and, when built, the live view routes - each
// behind the access check of node/access.h. The daemon calls this; the
// composition tests call it to check every route against the OpenAPI
// document and the authorization matrix.
#pragma once

#include "api/http/router.h"
#include "api/http/socket_bridge.h"
#include "api/management.h"
#include "node/image_catalog.h"
#include "node/instance_events.h"
#include "node/instance_manager.h"

namespace vmi::apps {
class AppService;
}

namespace vmi::node {

class PhoneService;
class DeviceControls;

namespace live {
class DeviceHosts;
}

struct NodeServices {
  api::Management* management = nullptr;
  InstanceManager* instances = nullptr;
  ImageCatalog* images = nullptr;
  InstanceEvents* events = nullptr;
  // The device hosts that serve the live view; null: no live routes.
  live::DeviceHosts* device_hosts = nullptr;
  PhoneService* phone = nullptr;     // null: no phone routes
  apps::AppService* apps = nullptr;  // null: no app routes
  DeviceControls* devices = nullptr;  // null: no device control routes
  std::string spool_dir;             // uploads (app installs) are streamed here
  // VNC over WebSocket (devhost_routes.h); null: no such route.
  api::SocketBridges* vnc_bridges = nullptr;
};

// All pointers but `device_hosts` and `phone` are required; they must outlive the router's use.
void RegisterNodeApi(api::Router& router, const NodeServices& s);

// Whether this build has the live view (devices and stream subsystems).
bool HaveLiveView();

}  // namespace vmi::node
