// /metrics families of the HTTP server's connection caps (server.h):
//   vmi_http_connections                         open connections (gauge)
//   vmi_http_connections_refused_total{reason}   reason="total"|"per_client"
//   vmi_http_header_timeouts_total               unauthenticated connections
//                                                closed waiting for a header
// Threads: the collector runs on the scraping thread; the server must
// outlive the registry's use.
#pragma once

#include "api/http/server.h"
#include "api/metrics/metrics.h"

namespace vmi::api {

void AddConnectionMetrics(MetricsRegistry& metrics, const Server& server);

}  // namespace vmi::api
