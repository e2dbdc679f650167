#include "node/metrics_listener.h"

namespace vmi::node {

Result<std::unique_ptr<MetricsListener>> MetricsListener::Start(const std::string& host, int port,
                                                                api::Management& mgmt) {
  if (port < 0) return std::unique_ptr<MetricsListener>();
  std::unique_ptr<MetricsListener> l(new MetricsListener());
  l->router_.Handle(
      "GET", "/metrics",
      [&mgmt](api::Request&) -> Result<api::Response> {
        return api::Response::Text(mgmt.metrics().Render(), 200,
                                   "text/plain; version=0.0.4; charset=utf-8");
      },
      {.blocking = true, .public_route = true});
  api::ServerOptions so;
  so.tcp_host = host;
  so.tcp_port = port;
  so.worker_threads = 1;
  l->server_ = VMI_TRY_CTX(api::Server::Start(so, l->router_), "metrics listener");
  return l;
}

}  // namespace vmi::node
