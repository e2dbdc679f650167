// The app API inside a phone's Pod (vmi-gate, gate_main.cc).
//
// On a node, the daemon installs apps (apps/app_service.h): it checks the
// upload, stages it in the instance's device directory and runs the guest
// kit's vmi-app through the runtime's exec. In a Pod the same service runs
// in the gate, which has what it needs there: the device directory (the
// emptyDir the guest sees at /run/vmi) and the guest's exec agent on
// <devdir>/exec.sock (guest/exec/exec_agent.h). The control plane only
// authenticates, authorizes, audits and streams the upload through
// (node/kube_proxy.h); the gate answers the node's routes with the node's
// bodies:
//
//   GET    /api/v1/instances/{id}/apps                  list (+ the install in progress)
//   POST   /api/v1/instances/{id}/apps?file=NAME[&timeout_s=N]   install; the
//          body is the file, spooled to `spool_dir` as it arrives
//   DELETE /api/v1/instances/{id}/apps/{app}            remove
//   POST   /api/v1/instances/{id}/apps/{app}/start[?entry=N]     launch
//
// The records (<records_dir>/<app>.json) are kept in a directory only the
// gate container mounts, out of the guest's reach as on a node. Their
// lifetime is the Pod's, like the apps' files, which vmi-app writes into
// the guest container's writable layer: a replaced Pod starts with neither.
//
// Threads: the handlers run on the gate's worker pool; AppService is
// thread-safe and serialises installs per phone.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "api/http/router.h"
#include "apps/app_service.h"
#include "base/child_process.h"

namespace vmi::cluster {

struct GateAppOptions {
  std::string id;           // the phone (instance) name
  std::string kind;         // the guest kind: linux-mobile, phone, win32, rootfs, android
  std::string arch;         // the guest's CPU: x86_64, arm64
  std::string devdir;       // the device directory (the guest's /run/vmi)
  std::string records_dir;  // the app records, the gate's own
  std::string spool_dir;    // uploads as they arrive, the gate's own
  // An upload is staged in the device directory, a memory emptyDir of
  // 256 MiB (desired.cc), for the guest to read.
  uint64_t max_upload_bytes = 192ull << 20;
};

// Runs argv in the guest through the exec agent listening on `agent`.
Result<RunOutput> RunInGuest(const std::string& agent, const std::vector<std::string>& argv,
                             std::chrono::milliseconds timeout, size_t max_output = 1 << 20);

// The machine the gate runs on, as images name it ("x86_64", "arm64").
std::string HostArch();

void RegisterGateAppRoutes(api::Router& router, const GateAppOptions& options,
                           apps::AppService& service);

}  // namespace vmi::cluster
