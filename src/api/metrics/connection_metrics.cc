#include "api/metrics/connection_metrics.h"

namespace vmi::api {

void AddConnectionMetrics(MetricsRegistry& metrics, const Server& server) {
  metrics.AddCollector([&server](MetricsWriter& w) {
    ConnectionStats s = server.connection_stats();
    w.Gauge("vmi_http_connections", "Open HTTP and WebSocket connections", {},
            static_cast<double>(s.open));
    const char* refused = "Connections refused at accept over a connection cap";
    w.Counter("vmi_http_connections_refused_total", refused, {{"reason", "total"}},
              static_cast<double>(s.refused_total));
    w.Counter("vmi_http_connections_refused_total", refused, {{"reason", "per_client"}},
              static_cast<double>(s.refused_per_client));
    w.Counter("vmi_http_header_timeouts_total",
              "Unauthenticated connections closed waiting for a request header", {},
              static_cast<double>(s.header_timeouts));
  });
}

}  // namespace vmi::api
