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

// Per-user limits (see auth/quotas.h): -1 is unlimited.
struct QuotaLimits {
  int64_t max_instances = -1;
  int64_t max_cpus_milli = -1;
  int64_t max_memory_mb = -1;
};

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
// {"instances": 10, "cpus": 4.5, "memory_mb": 8192}; absent or null: keep
// `base`; -1: unlimited.
Result<QuotaLimits> ParseQuotaLimits(const Json& j, QuotaLimits base);
// 8..1024 bytes.
Result<void> ValidatePassword(const std::string& password);
}  // namespace vmi::api
