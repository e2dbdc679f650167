// Typed request bodies of the management routes, parsed and validated
// without side effects: used by the routes' own parsing through the same
// rules, by the fuzz target (request_fuzz.cc) and its gtest replay.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http/request.h"
#include "api/http/response.h"
#include "base/result.h"

namespace vmi::api {

// Per-user limits (see auth/quotas.h): -1 is unlimited. The first three
// bound the sum over the user's instances; the per-instance ones bound each
// instance and are also what an instance gets when its request names no
// value (a request may ask for less, never more).
struct QuotaLimits {
  int64_t max_instances = -1;
  int64_t max_cpus_milli = -1;
  int64_t max_memory_mb = -1;
  int64_t pids_per_instance = -1;            // cgroup pids.max
  int64_t disk_mb_per_instance = -1;         // size of the writable layer
  int64_t bandwidth_mbit_per_instance = -1;  // network rate, each direction
  int64_t open_files_per_instance = -1;      // RLIMIT_NOFILE of every process
};

// Ceilings of the per-instance limits, whatever a quota says.
inline constexpr int64_t kMaxPidsPerInstance = 65536;
inline constexpr int64_t kMaxDiskMbPerInstance = int64_t{1} << 20;  // 1 TiB
inline constexpr int64_t kMaxBandwidthMbit = 100000;
inline constexpr int64_t kMaxOpenFilesPerInstance = 65536;

enum class RequestKind { kLogin, kCreateUser, kUpdateUser, kCreateToken, kSetQuota, kChangePassword };
std::vector<RequestKind> AllRequestKinds();

struct CreateUserRequest {
  std::string name;
  std::string password;
  Role role = Role::kUser;
  std::optional<QuotaLimits> quota;
};

Result<CreateUserRequest> ParseCreateUser(std::string_view body, const QuotaLimits& defaults);
// Parses `body` as the given kind; kInvalidArgument on any problem.
Result<void> ValidateRequestBody(RequestKind kind, std::string_view body);

}  // namespace vmi::api

namespace vmi::api {
// {"instances": 10, "cpus": 4.5, "memory_mb": 8192, "pids_per_instance": 512,
//  "disk_mb_per_instance": 4096, "bandwidth_mbit_per_instance": 100,
//  "open_files_per_instance": 4096}; absent or null: keep `base`; -1: unlimited.
Result<QuotaLimits> ParseQuotaLimits(const Json& j, QuotaLimits base);
// 8..1024 bytes.
Result<void> ValidatePassword(const std::string& password);
}  // namespace vmi::api
