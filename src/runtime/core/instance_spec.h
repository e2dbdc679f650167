// What a user asks for when creating an instance, validated, plus the
// host resources the node assigned to it. Plain data, no behaviour.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"

namespace vmi::runtime {

enum class RestartPolicy { kNever, kOnFailure, kAlways };
const char* RestartPolicyName(RestartPolicy p);
Result<RestartPolicy> ParseRestartPolicy(const std::string& s);

enum class NetworkMode { kBridge, kNone };

struct InstanceSpec {
  std::string id;     // 12 hex chars, assigned by the node
  std::string name;   // user-chosen, unique on the node
  std::string image;  // image name
  double cpus = 1.0;  // CPU bandwidth limit in cores
  int64_t memory_bytes = 1024LL << 20;
  // Bounded by the owner's quota at creation (node/instance_limits.h).
  int64_t pids_max = 512;
  int64_t disk_bytes = 0;      // size of the writable layer; 0: no own file system (legacy)
  int64_t bandwidth_mbit = 0;  // network rate each way; 0: not shaped
  int64_t open_files = 4096;   // RLIMIT_NOFILE (soft and hard) of every process
  int width = 720;
  int height = 1280;
  int dpi = 320;
  NetworkMode network = NetworkMode::kBridge;
  RestartPolicy restart = RestartPolicy::kNever;
};

// Host resources assigned at creation, stable for the instance's life.
struct InstanceSlot {
  int index = 0;            // small integer, unique among live instances
  uint32_t uid_base = 0;    // first host uid of the instance's user namespace
  uint32_t uid_count = 65536;
  std::string ip;           // guest address on the bridge, "" for --network none
};

// Validation of user input; each returns a clear InvalidArgument error.
Result<void> ValidateName(const std::string& name);
Result<void> ValidateResolution(int width, int height);
Result<void> ValidateDpi(int dpi);
Result<void> ValidateCpus(double cpus, int host_cpus);
Result<void> ValidateMemory(int64_t bytes, int64_t host_bytes);
// "720x1280" -> width, height.
Result<std::pair<int, int>> ParseResolution(const std::string& s);
// "512M", "2G", "1073741824" -> bytes.
Result<int64_t> ParseSize(const std::string& s);
// Checks every field (host limits given).
Result<void> ValidateSpec(const InstanceSpec& spec, int host_cpus, int64_t host_memory);

}  // namespace vmi::runtime
