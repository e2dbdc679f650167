#include "api/metrics/metrics.h"

#include <gtest/gtest.h>

namespace vmi::api {
namespace {

TEST(MetricsTest, TextFormatIsByteExact) {
  MetricsRegistry m;
  m.GetCounter("vmi_requests_total", "Requests", {{"code", "200"}}).Inc(3);
  m.GetGauge("vmi_up", "Up\nline").Set(1);
  auto& h = m.GetHistogram("vmi_latency_seconds", "Latency", {}, {0.1, 1});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(5);
  m.AddCollector([](MetricsWriter& w) {
    w.Gauge("vmi_instance_memory_bytes", "Memory", {{"id", "a\"1"}}, 1048576);
    w.Gauge("vmi_instance_memory_bytes", "Memory", {{"id", "b"}}, 0.25);
  });
  EXPECT_EQ(m.Render(),
            "# HELP vmi_latency_seconds Latency\n"
            "# TYPE vmi_latency_seconds histogram\n"
            "vmi_latency_seconds_bucket{le=\"0.1\"} 1\n"
            "vmi_latency_seconds_bucket{le=\"1\"} 2\n"
            "vmi_latency_seconds_bucket{le=\"+Inf\"} 3\n"
            "vmi_latency_seconds_sum 5.55\n"
            "vmi_latency_seconds_count 3\n"
            "# HELP vmi_requests_total Requests\n"
            "# TYPE vmi_requests_total counter\n"
            "vmi_requests_total{code=\"200\"} 3\n"
            "# HELP vmi_up Up\\nline\n"
            "# TYPE vmi_up gauge\n"
            "vmi_up 1\n"
            "# HELP vmi_instance_memory_bytes Memory\n"
            "# TYPE vmi_instance_memory_bytes gauge\n"
            "vmi_instance_memory_bytes{id=\"a\\\"1\"} 1048576\n"
            "vmi_instance_memory_bytes{id=\"b\"} 0.25\n");
}

TEST(MetricsTest, SameLabelsSameObject) {
  MetricsRegistry m;
  Counter& a = m.GetCounter("c_total", "c", {{"x", "1"}});
  Counter& b = m.GetCounter("c_total", "c", {{"x", "1"}});
  EXPECT_EQ(&a, &b);
  a.Inc();
  a.Inc(-5);  // counters never go down
  EXPECT_EQ(b.value(), 1);
  EXPECT_FALSE(ValidMetricName("9bad"));
  EXPECT_FALSE(ValidMetricName("bad-name"));
}

}  // namespace
}  // namespace vmi::api
