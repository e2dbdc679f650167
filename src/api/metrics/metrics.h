// A small Prometheus metrics registry, rendered in the text exposition
// format (version 0.0.4) at GET /metrics.
//
//   auto& requests = metrics.GetCounter("vmi_api_requests_total", "API requests",
//                                       {{"method", "GET"}, {"code", "200"}});
//   requests.Inc();
//   metrics.AddCollector([&](MetricsWriter& w) {   // values computed at scrape
//     for (auto& i : instances) w.Gauge("vmi_instance_memory_bytes", "...", {{"id", i.id}}, i.mem);
//   });
//
// Metric objects live as long as the registry; references to them stay
// valid. Names must match [a-zA-Z_:][a-zA-Z0-9_:]*; label values are escaped.
//
// Threads: everything is thread-safe. Counter/Gauge/Histogram updates are
// lock-free atomics (cheap on hot paths); Get* and Render take a mutex.
// Collectors run on the thread that renders (a worker): they may block
// briefly (read cgroup files) but must not call back into the registry.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace vmi::api {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Inc(double v = 1);
  double value() const { return v_.load(); }

 private:
  std::atomic<double> v_{0};
};

class Gauge {
 public:
  void Set(double v) { v_.store(v); }
  void Add(double v);
  double value() const { return v_.load(); }

 private:
  std::atomic<double> v_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  // Cumulative counts per bound, then +Inf; and the sum.
  std::vector<uint64_t> cumulative() const;
  double sum() const { return sum_.load(); }
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
};

// Seconds buckets for request latencies: 0.5 ms .. 10 s.
std::vector<double> LatencyBuckets();

// Collects samples from collectors, one family at a time.
class MetricsWriter {
 public:
  void Gauge(const std::string& name, const std::string& help, const Labels& labels, double v);
  void Counter(const std::string& name, const std::string& help, const Labels& labels, double v);
  std::string Take();

 private:
  void Sample(const std::string& name, const std::string& help, const char* type,
              const Labels& labels, double v);
  std::map<std::string, std::pair<std::string, std::string>> families_;  // name -> (header, body)
  std::vector<std::string> order_;
};

class MetricsRegistry {
 public:
  Counter& GetCounter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& GetGauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& GetHistogram(const std::string& name, const std::string& help,
                          const Labels& labels = {}, std::vector<double> bounds = LatencyBuckets());
  void AddCollector(std::function<void(MetricsWriter&)> collector);
  std::string Render();

 private:
  struct Family {
    std::string help;
    std::string type;
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<class Gauge>> gauges;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
  };
  Family& GetFamily(const std::string& name, const std::string& help, const char* type);
  std::mutex mu_;
  std::map<std::string, Family> families_;  // guarded by mu_
  std::vector<std::function<void(MetricsWriter&)>> collectors_;  // guarded by mu_
};

// Exposed for byte-exact tests: `name{a="x",b="y"} value`.
std::string FormatSample(const std::string& name, const Labels& labels, double v);
bool ValidMetricName(const std::string& name);

}  // namespace vmi::api
