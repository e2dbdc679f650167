#include "api/metrics/metrics.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "base/log.h"

namespace vmi::api {

namespace {
void AtomicAdd(std::atomic<double>& a, double v) {
  double cur = a.load();
  while (!a.compare_exchange_weak(cur, cur + v)) {
  }
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  char buf[32];
  snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string EscapeHelp(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

void CheckName(const std::string& name) {
  if (!ValidMetricName(name)) {
    VMI_LOG(ERROR) << "invalid metric name " << name;
    std::abort();
  }
}
}  // namespace

bool ValidMetricName(const std::string& name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string FormatSample(const std::string& name, const Labels& labels, double v) {
  std::string out = name;
  if (!labels.empty()) {
    out += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i) out += ',';
      out += labels[i].first + "=\"" + Escape(labels[i].second) + "\"";
    }
    out += '}';
  }
  out += ' ';
  out += FormatValue(v);
  out += '\n';
  return out;
}

void Counter::Inc(double v) {
  if (v > 0) AtomicAdd(v_, v);
}

void Gauge::Add(double v) { AtomicAdd(v_, v); }

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i] = 0;
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i].fetch_add(1);
  AtomicAdd(sum_, v);
}

std::vector<uint64_t> Histogram::cumulative() const {
  std::vector<uint64_t> out;
  uint64_t acc = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    acc += counts_[i].load();
    out.push_back(acc);
  }
  return out;
}

std::vector<double> LatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

void MetricsWriter::Sample(const std::string& name, const std::string& help, const char* type,
                           const Labels& labels, double v) {
  if (!ValidMetricName(name)) return;
  auto it = families_.find(name);
  if (it == families_.end()) {
    order_.push_back(name);
    it = families_
             .emplace(name, std::make_pair("# HELP " + name + " " + EscapeHelp(help) + "\n# TYPE " +
                                               name + " " + type + "\n",
                                           std::string()))
             .first;
  }
  it->second.second += FormatSample(name, labels, v);
}

void MetricsWriter::Gauge(const std::string& name, const std::string& help, const Labels& labels,
                          double v) {
  Sample(name, help, "gauge", labels, v);
}

void MetricsWriter::Counter(const std::string& name, const std::string& help,
                            const Labels& labels, double v) {
  Sample(name, help, "counter", labels, v);
}

std::string MetricsWriter::Take() {
  std::string out;
  for (const auto& name : order_) out += families_[name].first + families_[name].second;
  families_.clear();
  order_.clear();
  return out;
}

MetricsRegistry::Family& MetricsRegistry::GetFamily(const std::string& name,
                                                    const std::string& help, const char* type) {
  CheckName(name);
  auto& f = families_[name];
  if (f.type.empty()) {
    f.type = type;
    f.help = help;
  } else if (f.type != type) {
    VMI_LOG(ERROR) << "metric " << name << " registered as " << f.type << " and " << type;
    std::abort();
  }
  return f;
}

Counter& MetricsRegistry::GetCounter(const std::string& name, const std::string& help,
                                     const Labels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = GetFamily(name, help, "counter").counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& MetricsRegistry::GetGauge(const std::string& name, const std::string& help,
                                 const Labels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = GetFamily(name, help, "gauge").gauges[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& MetricsRegistry::GetHistogram(const std::string& name, const std::string& help,
                                         const Labels& labels, std::vector<double> bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = GetFamily(name, help, "histogram").histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>(std::move(bounds));
  return *slot;
}

void MetricsRegistry::AddCollector(std::function<void(MetricsWriter&)> collector) {
  std::lock_guard<std::mutex> lock(mu_);
  collectors_.push_back(std::move(collector));
}

std::string MetricsRegistry::Render() {
  std::string out;
  std::vector<std::function<void(MetricsWriter&)>> collectors;
  {
    std::lock_guard<std::mutex> lock(mu_);
    collectors = collectors_;
    for (const auto& [name, f] : families_) {
      out += "# HELP " + name + " " + EscapeHelp(f.help) + "\n# TYPE " + name + " " + f.type + "\n";
      for (const auto& [labels, c] : f.counters) out += FormatSample(name, labels, c->value());
      for (const auto& [labels, g] : f.gauges) out += FormatSample(name, labels, g->value());
      for (const auto& [labels, h] : f.histograms) {
        auto counts = h->cumulative();
        for (size_t i = 0; i < counts.size(); ++i) {
          Labels l = labels;
          l.emplace_back("le", i < h->bounds().size() ? FormatValue(h->bounds()[i]) : "+Inf");
          out += FormatSample(name + "_bucket", l, static_cast<double>(counts[i]));
        }
        out += FormatSample(name + "_sum", labels, h->sum());
        out += FormatSample(name + "_count", labels, static_cast<double>(counts.back()));
      }
    }
  }
  MetricsWriter w;
  for (auto& c : collectors) c(w);
  out += w.Take();
  return out;
}

}  // namespace vmi::api
