#include "node/node_api.h"

#include "node/access.h"
#include "node/api_routes.h"
#include "node/app_routes.h"
#include "node/batch_routes.h"
#include "node/device_routes.h"
#include "node/file_routes.h"
#include "node/input_routes.h"
#include "node/phone_routes.h"
#ifdef VMI_HAVE_LIVE
#include "node/live/devhost_routes.h"
#endif

namespace vmi::node {

bool HaveLiveView() {
#ifdef VMI_HAVE_LIVE
  return true;
#else
  return false;
#endif
}

void RegisterNodeApi(api::Router& router, const NodeServices& s) {
  auto check = MakeAccessCheck(*s.management);
  auto audit = MakeAudit(*s.management);
  s.management->Register(router);  // authentication first, then users, tokens, audit, metrics
  RegisterInstanceRoutes(router, *s.instances, {check, audit, MakeQuotaLookup(*s.management)});
  RegisterImageRoutes(router, *s.images, *s.instances, MakeImageChangeCheck(*s.management), audit);
  RegisterNodeRoutes(router, *s.instances);
  if (s.apps)
    RegisterAppRoutes(router, *s.instances, *s.images, *s.apps,
                      {.spool_dir = s.spool_dir, .max_upload_bytes = s.apps->options().quota_bytes},
                      {check, audit});
  s.events->Register(router);
  if (s.phone) RegisterPhoneRoutes(router, *s.instances, *s.phone, check);
  if (s.devices) RegisterDeviceRoutes(router, *s.instances, *s.devices, check, audit);
#ifdef VMI_HAVE_LIVE
  if (s.device_hosts) {
    InputScripts scripts = DeviceHostInputScripts(*s.device_hosts);
    RegisterInputRoutes(router, *s.instances, scripts, check, audit);
    RegisterBatchRoutes(router, *s.instances, s.devices, check, audit, &scripts);
  } else {
    RegisterBatchRoutes(router, *s.instances, s.devices, check, audit);
  }
#else
  RegisterBatchRoutes(router, *s.instances, s.devices, check, audit);
#endif
  if (!s.spool_dir.empty())
    RegisterFileRoutes(router, *s.instances, {.spool_dir = s.spool_dir}, {check, audit});
#ifdef VMI_HAVE_LIVE
  if (s.device_hosts) live::RegisterDeviceHostRoutes(router, *s.instances, *s.device_hosts, check,
                                                       s.vnc_bridges);
#endif
}

}  // namespace vmi::node
