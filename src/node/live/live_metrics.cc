#include "node/live/live_metrics.h"

namespace vmi::node::live {

void AddLiveMetrics(api::MetricsRegistry& metrics, LiveService& live) {
  metrics.AddCollector([&live](api::MetricsWriter& w) {
    for (const auto& instance : live.Running()) {
      auto s = instance->stats();
      api::Labels id{{"instance", instance->id()}};
      w.Gauge("vmi_stream_viewers", "Browser viewers of the instance", id,
              static_cast<double>(s.viewers));
      if (!s.has_video) continue;
      const auto& v = s.video;
      w.Gauge("vmi_stream_encoding", "1 while the instance's video encoder runs", id,
              v.running ? 1 : 0);
      w.Counter("vmi_stream_frames_total", "Video frames encoded",
                {{"instance", instance->id()}, {"codec", "h264"}},
                static_cast<double>(v.h264_frames));
      w.Counter("vmi_stream_frames_total", "Video frames encoded",
                {{"instance", instance->id()}, {"codec", "jpeg"}},
                static_cast<double>(v.jpeg_frames));
      w.Counter("vmi_stream_keyframes_total", "H.264 keyframes encoded", id,
                static_cast<double>(v.h264_keyframes));
      w.Counter("vmi_stream_bytes_total", "Encoded video bytes, before fan-out to viewers", id,
                static_cast<double>(v.bytes_out));
      w.Gauge("vmi_stream_bitrate_kbps", "Bitrate cap adapted to the slowest viewer", id,
              v.bitrate_kbps);
      w.Counter("vmi_stream_captures_total", "Screen captures",
                {{"instance", instance->id()}, {"damaged", "yes"}},
                static_cast<double>(v.damaged));
      w.Counter("vmi_stream_captures_total", "Screen captures",
                {{"instance", instance->id()}, {"damaged", "no"}},
                static_cast<double>(v.captures - v.damaged));
    }
  });
}

}  // namespace vmi::node::live
