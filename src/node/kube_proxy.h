// Routing a phone's live view to its Pod, for `vmi serve --kubernetes`: the
// control plane authenticates and authorizes the user (the node's rules,
// access.h), then talks to the phone's gate (vmi-gate, cluster/desired.h)
// at <status.podIP>:<gate port> with the phone's token (gate_token.h). The
// control plane only routes: it keeps nothing per phone.
//
//   GET  /api/v1/instances/{id}/screenshot   action screenshot  } one HTTP
//   POST /api/v1/instances/{id}/rotate       action rotate      } request to
//   GET|PUT /api/v1/instances/{id}/audio     action stream/control } the gate
//   GET  /api/v1/instances/{id}/stream       WebSocket, relayed (below)
//   GET  /api/v1/instances/{id}/vnc          action vnc: the password, and
//        {"websocket": ".../vnc/websocket"}, where RFB travels over a
//        WebSocket (noVNC's framing; `vmi vnc ID --listen PORT` gives native
//        VNC clients a local port): relayed as the live view is; the gate
//        bridges it to the device host's VNC server in the Pod
//   POST /api/v1/instances/{id}/exec         action exec: the body checked
//        as on a node (ParseExec), audited, run by the exec agent in the
//        guest container through the gate
//   GET  /api/v1/instances/{id}/apps         action inspect  } the app service
//   POST /api/v1/instances/{id}/apps?file=N  action exec     } in the gate
//   DELETE .../apps/{app}                    action exec     } (cluster/
//   POST .../apps/{app}/start                action control  } gate_apps.h);
//        an upload is spooled here, then streamed to the gate; installs,
//        removals and starts are audited as on a node (app.*)
//
// A viewer's WebSocket is taken over before the upgrade is answered
// (ServerOptions::handoff): a relay thread looks the phone up and checks
// access (a refusal is answered 404, like an unknown instance), connects to
// the gate, sends the viewer's request head with its cookies and
// credentials replaced by the phone's token, and from then on copies bytes
// both ways until either side closes. The device host in the Pod answers
// the upgrade; the control plane never parses a frame. A phone that is not
// running (no Pod IP) is 409.
//
// Threads: the routes run on the worker pool; one relay thread per viewer
// (two 64 KiB buffers); ~ViewerRelays stops and joins them all.
#pragma once


#include "api/http/server.h"
#include "api/management.h"
#include "base/worker_threads.h"
#include "node/kube_phones.h"

namespace vmi::node {

struct KubeProxyOptions {
  int gate_port = 7070;
  std::string gate_key;  // gate_token.h; shared by every replica (the database)
  std::string spool_dir;  // app uploads on their way to the gate (created by the caller)
  uint64_t max_upload_bytes = 192ull << 20;  // what the Pod's gate takes (gate_apps.h)
};

void RegisterKubeLiveRoutes(api::Router& router, api::Management& mgmt, KubePhones& phones,
                            const KubeProxyOptions& options);

// The request head sent to the gate: the client's, minus Authorization,
// Cookie and X-CSRF-Token, plus the phone's token (anything the client sent
// after the head follows unchanged). kInvalidArgument without a full head.
Result<std::string> GateRequestHead(const std::string& head, const std::string& token);

class ViewerRelays {
 public:
  ViewerRelays(api::Management& mgmt, KubePhones& phones, KubeProxyOptions options);
  ~ViewerRelays();
  ViewerRelays(const ViewerRelays&) = delete;
  ViewerRelays& operator=(const ViewerRelays&) = delete;

  // For ServerOptions::handoff: takes every stream upgrade.
  Result<bool> Handoff(api::Request& req, const api::Route& route, api::HandedOffSocket& socket);
  int active() const { return workers_.running(); }

 private:
  // `vnc`: the VNC WebSocket (action "vnc"), else the live view ("stream").
  void Relay(api::Request req, UniqueFd client, std::string head, bool vnc, int stop);

  api::Management& mgmt_;
  KubePhones& phones_;
  const KubeProxyOptions options_;
  WorkerThreads workers_;  // last: joined before the members the relays use go
};

}  // namespace vmi::node
