#include "cli/quota_options.h"

#include <cmath>
#include <cstdlib>

namespace vmi::cli {

namespace {

bool Unlimited(const std::string& t) { return t == "unlimited" || t == "-1"; }

Error Bad(const std::string& flag, const std::string& text, const std::string& want) {
  return Error(ErrorCode::kInvalidArgument, flag + ": '" + text + "' is not " + want);
}

}  // namespace

Result<int64_t> ParseCount(const std::string& text, const std::string& flag) {
  if (Unlimited(text)) return int64_t{-1};
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || v < 0)
    return Bad(flag, text, "a whole number >= 0 or 'unlimited'");
  return static_cast<int64_t>(v);
}

Result<double> ParseCpus(const std::string& text) {
  if (Unlimited(text)) return -1.0;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(v) || v < 0)
    return Bad("--cpus", text, "a number of cores >= 0 or 'unlimited'");
  return v;
}

Result<int64_t> ParseMemoryMiB(const std::string& text) {
  if (Unlimited(text)) return int64_t{-1};
  std::string digits = text;
  int64_t scale = 1;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 'M':
      case 'm':
        scale = 1;
        digits.pop_back();
        break;
      case 'G':
      case 'g':
        scale = 1024;
        digits.pop_back();
        break;
      case 'T':
      case 't':
        scale = 1024 * 1024;
        digits.pop_back();
        break;
      default:
        break;
    }
  }
  auto v = ParseCount(digits, "--memory");
  if (!v.ok() || *v < 0 || *v > (int64_t{1} << 40) / scale)
    return Bad("--memory", text, "MiB (or with M, G, T) or 'unlimited'");
  return *v * scale;
}

Result<nlohmann::json> QuotaOptions::ToJson() const {
  nlohmann::json j = nlohmann::json::object();
  if (!instances.empty()) j["instances"] = VMI_TRY(ParseCount(instances, "--instances"));
  if (!cpus.empty()) j["cpus"] = VMI_TRY(ParseCpus(cpus));
  if (!memory.empty()) j["memory_mb"] = VMI_TRY(ParseMemoryMiB(memory));
  if (!pids.empty()) j["pids_per_instance"] = VMI_TRY(ParseCount(pids, "--pids"));
  if (!disk.empty()) {
    auto mb = ParseMemoryMiB(disk);
    if (!mb.ok()) return Error(ErrorCode::kInvalidArgument, "--disk: '" + disk + "' is not MiB (or with M, G, T) or 'unlimited'");
    j["disk_mb_per_instance"] = *mb;
  }
  if (!bandwidth.empty()) j["bandwidth_mbit_per_instance"] = VMI_TRY(ParseCount(bandwidth, "--bandwidth"));
  if (!open_files.empty()) j["open_files_per_instance"] = VMI_TRY(ParseCount(open_files, "--open-files"));
  return j;
}

void AddQuotaOptions(CLI::App* app, QuotaOptions& q) {
  app->add_option("--instances", q.instances, "Most instances at once (or 'unlimited')");
  app->add_option("--cpus", q.cpus, "Most CPU cores over all instances (or 'unlimited')");
  app->add_option("--memory", q.memory,
                  "Most memory over all instances, MiB or 16G (or 'unlimited')");
  app->add_option("--pids", q.pids, "Most processes per instance (or 'unlimited')");
  app->add_option("--disk", q.disk, "Writable layer per instance, MiB or 4G (or 'unlimited')");
  app->add_option("--bandwidth", q.bandwidth, "Network Mbit/s per instance, each way (or 'unlimited')");
  app->add_option("--open-files", q.open_files, "Open files per instance process (or 'unlimited')");
}

}  // namespace vmi::cli
