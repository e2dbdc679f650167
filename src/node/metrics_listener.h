// MetricsListener: a second HTTP listener that serves only GET /metrics,
// without authentication: what Prometheus scrapes inside a cluster (the
// Pod's prometheus.io/port annotation points at it). The API's own
// /metrics stays admin-only unless ManagementOptions::metrics_public. Keep
// this listener off the public network (the Service and Ingress do not
// expose it; `vmi serve --metrics-port`).
//
// Threads: the server's; Management must outlive the listener.
#pragma once

#include <memory>
#include <string>

#include "api/http/server.h"
#include "api/management.h"

namespace vmi::node {

class MetricsListener {
 public:
  // null when port < 0.
  static Result<std::unique_ptr<MetricsListener>> Start(const std::string& host, int port,
                                                        api::Management& mgmt);
  uint16_t port() const { return server_->tcp_port(); }
  void Stop() { server_->Stop(); }

 private:
  MetricsListener() = default;
  api::Router router_;  // before server_: the server borrows it
  std::unique_ptr<api::Server> server_;
};

}  // namespace vmi::node
