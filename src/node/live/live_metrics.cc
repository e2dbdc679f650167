#include "node/live/live_metrics.h"

#include "devices/host/control_client.h"
#include "node/live/device_hosts.h"
#include "node/live/instance_live.h"

namespace vmi::node::live {
namespace {

void Write(api::MetricsWriter& w, const std::string& instance, const InstanceLive::Stats& s) {
  {
    {
      api::Labels id{{"instance", instance}};
      w.Gauge("vmi_stream_viewers", "Browser viewers of the instance", id,
              static_cast<double>(s.viewers));
      if (!s.has_video) return;
      const auto& v = s.video;
      w.Gauge("vmi_stream_encoding", "1 while the instance's video encoder runs", id,
              v.running ? 1 : 0);
      w.Counter("vmi_stream_frames_total", "Video frames encoded",
                {{"instance", instance}, {"codec", "h264"}},
                static_cast<double>(v.h264_frames));
      w.Counter("vmi_stream_frames_total", "Video frames encoded",
                {{"instance", instance}, {"codec", "jpeg"}},
                static_cast<double>(v.jpeg_frames));
      w.Counter("vmi_stream_keyframes_total", "H.264 keyframes encoded", id,
                static_cast<double>(v.h264_keyframes));
      w.Counter("vmi_stream_bytes_total", "Encoded video bytes, before fan-out to viewers", id,
                static_cast<double>(v.bytes_out));
      w.Gauge("vmi_stream_bitrate_kbps", "Bitrate cap adapted to the slowest viewer", id,
              v.bitrate_kbps);
      w.Counter("vmi_stream_captures_total", "Screen captures",
                {{"instance", instance}, {"damaged", "yes"}},
                static_cast<double>(v.damaged));
      w.Counter("vmi_stream_captures_total", "Screen captures",
                {{"instance", instance}, {"damaged", "no"}},
                static_cast<double>(v.captures - v.damaged));
    }
  }
}

void WriteRefusals(api::MetricsWriter& w, const ViewerLimits* viewers) {
  if (!viewers) return;
  const char* help = "Stream viewers refused over a viewer cap";
  w.Counter("vmi_stream_viewers_refused_total", help, {{"reason", "per_instance"}},
            static_cast<double>(viewers->refused_per_instance()));
  w.Counter("vmi_stream_viewers_refused_total", help, {{"reason", "per_user"}},
            static_cast<double>(viewers->refused_per_user()));
}

}  // namespace

void AddDeviceHostMetrics(api::MetricsRegistry& metrics, DeviceHosts& hosts,
                          const ViewerLimits* viewers) {
  metrics.AddCollector([&hosts, viewers](api::MetricsWriter& w) {
    WriteRefusals(w, viewers);
    for (const auto& id : hosts.Running()) {
      // A device host that does not answer at once is left out of this scrape.
      auto r = hosts.Call(id, devhost::Request("stats"), std::chrono::seconds(1), false);
      if (!r.ok()) continue;
      const auto& h = r->header;
      InstanceLive::Stats s;
      s.viewers = h.value("viewers", size_t{0});
      s.has_video = h.value("has_video", false);
      if (auto v = h.find("video"); v != h.end() && v->is_object()) {
        s.video.running = v->value("running", false);
        s.video.captures = v->value("captures", uint64_t{0});
        s.video.damaged = v->value("damaged", uint64_t{0});
        s.video.h264_frames = v->value("h264_frames", uint64_t{0});
        s.video.h264_keyframes = v->value("h264_keyframes", uint64_t{0});
        s.video.jpeg_frames = v->value("jpeg_frames", uint64_t{0});
        s.video.bytes_out = v->value("bytes_out", uint64_t{0});
        s.video.bitrate_kbps = v->value("bitrate_kbps", 0);
      }
      Write(w, id, s);
    }
  });
}

}  // namespace vmi::node::live
