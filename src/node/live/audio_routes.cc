#include "node/live/audio_routes.h"

namespace vmi::node::live {

void RegisterAudioRoutes(api::Router& router, InstanceManager& instances, LiveService& live,
                         InstanceAccessCheck check) {
  (void)router;
  (void)instances;
  (void)live;
  (void)check;
}

}  // namespace vmi::node::live
