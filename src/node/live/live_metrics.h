// Live view metrics for GET /metrics, asked of every running instance's
// device host at scrape time (a device host that does not answer at once is
// left out of that scrape):
//
//   vmi_stream_viewers{instance}                   gauge: browser viewers
//   vmi_stream_encoding{instance}                  gauge: 1 while the encoder runs
//   vmi_stream_frames_total{instance,codec}        counter: h264 | jpeg frames encoded
//   vmi_stream_keyframes_total{instance}           counter
//   vmi_stream_bytes_total{instance}               counter: encoded bytes (before fan-out)
//   vmi_stream_bitrate_kbps{instance}              gauge: the adaptive bitrate cap
//   vmi_stream_captures_total{instance,damaged}    counter: captures, with and without damage
//
//   vmi_stream_viewers_refused_total{reason}      counter: per_instance | per_user caps
//
// Frame rates are rate(vmi_stream_frames_total[...]) in Prometheus.
//
// Threads: the collector runs on the rendering thread; the device hosts
// and the limits must outlive the registry's use (the daemon stops the server first).
#pragma once

#include "api/metrics/metrics.h"
#include "node/live/viewer_limits.h"

namespace vmi::node::live {

class DeviceHosts;
// `viewers` (may be null): the refusals.
void AddDeviceHostMetrics(api::MetricsRegistry& metrics, DeviceHosts& hosts,
                          const ViewerLimits* viewers = nullptr);

}  // namespace vmi::node::live
