// The quota flags shared by `vmi quota set` and `vmi user create`:
// --instances N, --cpus N, --memory MiB, each also "unlimited" (or -1).
// Parsing is here, apart from the commands, so it is unit-tested.
//
// Threads: plain values.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"

namespace vmi::cli {

struct QuotaOptions {
  std::string instances, cpus, memory;  // as typed; empty: not given
  // Per instance: processes, writable layer (MiB or 4G), Mbit/s, open files.
  std::string pids, disk, bandwidth, open_files;

  // {"instances": 10, "cpus": 4.5, "memory_mb": 8192} with only the given
  // fields (-1: unlimited); kInvalidArgument naming the bad flag.
  Result<nlohmann::json> ToJson() const;
};

void AddQuotaOptions(CLI::App* app, QuotaOptions& q);

// "2048" -> 2048, "512M" -> 512, "16G" -> 16384, "1T" -> 1048576 (MiB);
// "unlimited" or "-1" -> -1.
Result<int64_t> ParseMemoryMiB(const std::string& text);
// A whole number >= 0, or "unlimited"/-1 -> -1.
Result<int64_t> ParseCount(const std::string& text, const std::string& flag);
// A number >= 0 (fractions allowed), or "unlimited"/-1 -> -1.
Result<double> ParseCpus(const std::string& text);

}  // namespace vmi::cli
