// Daemon: the composition of one node (`vmi serve`): database, management
// (users, sessions, tokens, quotas, audit, metrics), image store, instance
// manager, event stream, device services and the HTTP API on a Unix socket
// and TCP. The first run creates the user `admin` and prints its password
// once (or takes it from $VMI_ADMIN_PASSWORD). Run() blocks until SIGINT/SIGTERM. Instances keep running when the
// daemon stops; the next daemon finds them again.
#pragma once

#include <string>

#include "base/result.h"

namespace vmi::node {

struct DaemonOptions {
  std::string data_dir = "/var/lib/vmi";
  std::string database;  // URL; default sqlite at <data_dir>/vmi.db
  std::string unix_path = "/run/vmi/api.sock";
  std::string tcp_host = "127.0.0.1";
  int tcp_port = 8080;
  std::string tls_cert, tls_key;
  std::string runtime;    // "crun", "runc" or "" (auto)
  std::string guest_kit;  // default: <exe dir>/../guest-kit
  std::string monitor_path;
  std::string web_root;  // built console/viewer (web/dist)
  std::string image_definitions;  // images/ of the source tree
  std::string openapi_path;       // served at /api/v1/openapi.json
  // Each running instance's devices live in a device host process of its
  // own (vmi-devhost, beside vmi-monitor).
  std::string devhost_path;  // default: <exe dir>/vmi-devhost
  std::string modem_path;         // vmi-modem; default: <exe dir>/vmi-modem
  std::string phone_range;        // numbers given to instances; default NumberRange::kDefault
  std::string modem_uplink;       // vmi-modem --uplink: share the host modem on this D-Bus bus
  // A second listener serving only GET /metrics, unauthenticated (for
  // Prometheus inside the cluster; keep it off the public network). -1: none.
  int metrics_port = -1;
  std::string metrics_host = "127.0.0.1";

  // Kubernetes mode (kube_daemon.h).
  bool kubernetes = false;
  std::string kubeconfig;        // empty: the in-cluster service account
  std::string phones_namespace;  // default: the config's namespace, else vmi-phones
  std::string lease_namespace;   // default: the config's namespace, else default
  std::string devhost_image = "vmi:latest";
  std::string phone_image_prefix = "vmi/";
  std::string phone_image_tag = "latest";
  int gate_port = 7070;  // phones' gates (vmi-gate) listen there in their Pods
  // The cluster's vmi-modem (kube_telephony.h): its control port for the
  // control plane, its line port for the phones' device hosts; the control
  // token comes in $VMI_MODEM_TOKEN. Empty: the phones have no modem.
  std::string modem, modem_lines;
};

Result<void> RunDaemon(DaemonOptions options);

}  // namespace vmi::node
