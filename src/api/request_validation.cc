#include "api/request_validation.h"

#include <cmath>

#include "api/json_reader.h"

namespace vmi::api {

std::vector<RequestKind> AllRequestKinds() {
  return {RequestKind::kLogin,       RequestKind::kCreateUser, RequestKind::kUpdateUser,
          RequestKind::kCreateToken, RequestKind::kSetQuota,   RequestKind::kChangePassword};
}

Result<void> ValidatePassword(const std::string& password) {
  if (password.size() < 8) {
    return Error(ErrorCode::kInvalidArgument, "password must have at least 8 characters");
  }
  if (password.size() > 1024) return Error(ErrorCode::kInvalidArgument, "password is too long");
  return Ok();
}

Result<QuotaLimits> ParseQuotaLimits(const Json& j, QuotaLimits base) {
  JsonReader r(j);
  auto inst = r.Int("instances", {.min = -1, .max = 100000});
  auto cpus = r.Number("cpus", false, -1, 100000);
  auto mem = r.Int("memory_mb", {.min = -1, .max = int64_t{1} << 40});
  auto pids = r.Int("pids_per_instance", {.min = -1, .max = kMaxPidsPerInstance});
  auto disk = r.Int("disk_mb_per_instance", {.min = -1, .max = kMaxDiskMbPerInstance});
  auto bw = r.Int("bandwidth_mbit_per_instance", {.min = -1, .max = kMaxBandwidthMbit});
  auto files = r.Int("open_files_per_instance", {.min = -1, .max = kMaxOpenFilesPerInstance});
  VMI_CHECK_OK(r.Finish(), "quota");
  // -1 means unlimited; 0 would make an instance unusable.
  auto positive = [](const std::optional<int64_t>& v, const char* name) -> Result<void> {
    if (v && *v == 0)
      return Error(ErrorCode::kInvalidArgument, std::string(name) + ": must be -1 or at least 1");
    return Ok();
  };
  VMI_CHECK_OK(positive(pids, "pids_per_instance"), "quota");
  VMI_CHECK_OK(positive(disk, "disk_mb_per_instance"), "quota");
  VMI_CHECK_OK(positive(bw, "bandwidth_mbit_per_instance"), "quota");
  VMI_CHECK_OK(positive(files, "open_files_per_instance"), "quota");
  if (pids) base.pids_per_instance = *pids;
  if (disk) base.disk_mb_per_instance = *disk;
  if (bw) base.bandwidth_mbit_per_instance = *bw;
  if (files) base.open_files_per_instance = *files;
  if (inst) base.max_instances = *inst;
  if (cpus) base.max_cpus_milli = *cpus < 0 ? -1 : static_cast<int64_t>(std::llround(*cpus * 1000));
  if (mem) base.max_memory_mb = *mem;
  return base;
}

Result<CreateUserRequest> ParseCreateUser(std::string_view body, const QuotaLimits& defaults) {
  auto j = VMI_TRY(ParseJsonObject(body));
  JsonReader r(j);
  CreateUserRequest out;
  auto name = r.String("name", {.required = true, .max_len = 64});
  auto password = r.String("password", {.required = true, .max_len = 1024});
  auto role = r.Enum("role", {"user", "admin"});
  const Json* quota = r.Raw("quota");
  VMI_CHECK_OK(r.Finish(), "create user");
  out.name = *name;
  out.password = *password;
  VMI_CHECK_OK(ValidateName(out.name, "user name"), "create user");
  VMI_CHECK_OK(ValidatePassword(out.password), "create user");
  out.role = ParseRole(role.value_or("user")).value_or(Role::kUser);
  if (quota) {
    if (!quota->is_object()) return Error(ErrorCode::kInvalidArgument, "quota: must be an object");
    out.quota = VMI_TRY(ParseQuotaLimits(*quota, defaults));
  }
  return out;
}

Result<void> ValidateRequestBody(RequestKind kind, std::string_view body) {
  if (kind == RequestKind::kCreateUser) {
    VMI_TRY(ParseCreateUser(body, QuotaLimits{}));
    return Ok();
  }
  auto j = VMI_TRY(ParseJsonObject(body));
  JsonReader r(j);
  switch (kind) {
    case RequestKind::kLogin:
      r.String("name", {.required = true, .min_len = 1, .max_len = 64});
      r.String("password", {.required = true, .max_len = 1024});
      break;
    case RequestKind::kUpdateUser:
      r.Enum("role", {"user", "admin"});
      r.Bool("disabled");
      r.String("password", {.max_len = 1024});
      break;
    case RequestKind::kCreateToken: {
      auto name = r.String("name", {.required = true, .max_len = 64});
      r.Int("ttl_seconds", {.min = 0, .max = int64_t{10} * 365 * 24 * 3600});
      if (name) VMI_CHECK_OK(ValidateName(*name, "token name"), "create token");
      break;
    }
    case RequestKind::kSetQuota:
      VMI_TRY(ParseQuotaLimits(j, QuotaLimits{}));
      return Ok();
    case RequestKind::kChangePassword:
      r.String("current_password", {.required = true, .max_len = 1024});
      r.String("new_password", {.required = true, .max_len = 1024});
      break;
    case RequestKind::kCreateUser:
      break;
  }
  return r.Finish();
}

}  // namespace vmi::api
