// Daemon: the composition of one node (`vmi serve`): database, image store,
// instance manager, device services and the HTTP API on a Unix socket and
// TCP. Run() blocks until SIGINT/SIGTERM. Instances keep running when the
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
};

Result<void> RunDaemon(DaemonOptions options);

}  // namespace vmi::node
