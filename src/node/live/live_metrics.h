// Live view metrics for GET /metrics, computed at scrape time from every
// running instance's services:
//
//   vmi_stream_viewers{instance}                   gauge: browser viewers
//   vmi_stream_encoding{instance}                  gauge: 1 while the encoder runs
//   vmi_stream_frames_total{instance,codec}        counter: h264 | jpeg frames encoded
//   vmi_stream_keyframes_total{instance}           counter
//   vmi_stream_bytes_total{instance}               counter: encoded bytes (before fan-out)
//   vmi_stream_bitrate_kbps{instance}              gauge: the adaptive bitrate cap
//   vmi_stream_captures_total{instance,damaged}    counter: captures, with and without damage
//
// Frame rates are rate(vmi_stream_frames_total[...]) in Prometheus.
//
// Threads: the collector runs on the rendering thread; the service must
// outlive the registry's use (the daemon stops the server first).
#pragma once

#include "api/metrics/metrics.h"
#include "node/live/live_service.h"
#include "node/live/viewer_limits.h"

namespace vmi::node::live {

class DeviceHosts;
// The same families, asked of each device host at scrape time.
void AddDeviceHostMetrics(api::MetricsRegistry& metrics, DeviceHosts& hosts,
                          const ViewerLimits* viewers = nullptr);

// `viewers` (may be null): vmi_stream_viewers_refused_total{reason}.
void AddLiveMetrics(api::MetricsRegistry& metrics, LiveService& live,
                    const ViewerLimits* viewers = nullptr);

}  // namespace vmi::node::live
