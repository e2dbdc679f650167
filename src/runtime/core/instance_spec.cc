#include "runtime/core/instance_spec.h"

#include <cctype>
#include <cmath>

namespace vmi::runtime {

const char* RestartPolicyName(RestartPolicy p) {
  switch (p) {
    case RestartPolicy::kNever: return "never";
    case RestartPolicy::kOnFailure: return "on-failure";
    case RestartPolicy::kAlways: return "always";
  }
  return "never";
}

Result<RestartPolicy> ParseRestartPolicy(const std::string& s) {
  if (s == "never" || s == "no" || s.empty()) return RestartPolicy::kNever;
  if (s == "on-failure") return RestartPolicy::kOnFailure;
  if (s == "always") return RestartPolicy::kAlways;
  return Error(ErrorCode::kInvalidArgument,
               "invalid restart policy '" + s + "' (expected never, on-failure or always)");
}

Result<void> ValidateName(const std::string& name) {
  auto bad = [&](const std::string& why) {
    return Error(ErrorCode::kInvalidArgument, "invalid name '" + name + "': " + why);
  };
  if (name.empty()) return bad("empty");
  if (name.size() > 63) return bad("longer than 63 characters");
  if (!std::isalnum(static_cast<unsigned char>(name[0])) || std::isupper(name[0]))
    return bad("must start with a lower-case letter or digit");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return bad("only a-z, 0-9, '.', '_' and '-' are allowed");
  }
  return Ok();
}

Result<void> ValidateResolution(int width, int height) {
  if (width < 160 || height < 160 || width > 4096 || height > 4096)
    return Error(ErrorCode::kInvalidArgument,
                 "invalid resolution " + std::to_string(width) + "x" + std::to_string(height) +
                     ": each side must be between 160 and 4096 pixels");
  if (width % 2 || height % 2)
    return Error(ErrorCode::kInvalidArgument, "invalid resolution " + std::to_string(width) + "x" +
                                                  std::to_string(height) +
                                                  ": sides must be even (video encoding)");
  return Ok();
}

Result<void> ValidateDpi(int dpi) {
  if (dpi < 60 || dpi > 960)
    return Error(ErrorCode::kInvalidArgument,
                 "invalid dpi " + std::to_string(dpi) + ": must be between 60 and 960");
  return Ok();
}

Result<void> ValidateCpus(double cpus, int host_cpus) {
  if (!(cpus >= 0.01) || !std::isfinite(cpus) || cpus > host_cpus)
    return Error(ErrorCode::kInvalidArgument, "invalid cpus " + std::to_string(cpus) +
                                                  ": must be between 0.01 and the host's " +
                                                  std::to_string(host_cpus));
  return Ok();
}

Result<void> ValidateMemory(int64_t bytes, int64_t host_bytes) {
  if (bytes < (64LL << 20) || bytes > host_bytes)
    return Error(ErrorCode::kInvalidArgument,
                 "invalid memory " + std::to_string(bytes) + " bytes: must be between 64M and " +
                     "the host's " + std::to_string(host_bytes >> 20) + "M");
  return Ok();
}

Result<std::pair<int, int>> ParseResolution(const std::string& s) {
  size_t x = s.find('x');
  auto bad = Error(ErrorCode::kInvalidArgument,
                   "invalid resolution '" + s + "': expected WIDTHxHEIGHT, e.g. 720x1280");
  if (x == std::string::npos || x == 0 || x + 1 >= s.size() || s.size() > 11) return bad;
  for (size_t i = 0; i < s.size(); ++i)
    if (i != x && !std::isdigit(static_cast<unsigned char>(s[i]))) return bad;
  int w = std::stoi(s.substr(0, x)), h = std::stoi(s.substr(x + 1));
  VMI_CHECK_OK(ValidateResolution(w, h), "parse resolution");
  return std::make_pair(w, h);
}

Result<int64_t> ParseSize(const std::string& s) {
  auto bad = Error(ErrorCode::kInvalidArgument,
                   "invalid size '" + s + "': expected a number with an optional K, M or G suffix");
  if (s.empty() || s.size() > 20) return bad;
  size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  // 18 digits always fit in int64_t; stoll would throw on more.
  if (digits == 0 || digits > 18) return bad;
  int64_t v = std::stoll(s.substr(0, digits));
  std::string suffix = s.substr(digits);
  int shift = 0;
  if (suffix == "" || suffix == "B") shift = 0;
  else if (suffix == "K" || suffix == "k" || suffix == "KiB") shift = 10;
  else if (suffix == "M" || suffix == "m" || suffix == "MiB") shift = 20;
  else if (suffix == "G" || suffix == "g" || suffix == "GiB") shift = 30;
  else return bad;
  if (v > (INT64_MAX >> shift)) return bad;
  return v << shift;
}

Result<void> ValidateSpec(const InstanceSpec& spec, int host_cpus, int64_t host_memory) {
  VMI_CHECK_OK(ValidateName(spec.name), "validate");
  VMI_CHECK_OK(ValidateResolution(spec.width, spec.height), "validate");
  VMI_CHECK_OK(ValidateDpi(spec.dpi), "validate");
  VMI_CHECK_OK(ValidateCpus(spec.cpus, host_cpus), "validate");
  VMI_CHECK_OK(ValidateMemory(spec.memory_bytes, host_memory), "validate");
  if (spec.pids_max < 16 || spec.pids_max > 1 << 22)
    return Error(ErrorCode::kInvalidArgument, "invalid pids limit " + std::to_string(spec.pids_max));
  if (spec.disk_bytes != 0 && (spec.disk_bytes < (64LL << 20) || spec.disk_bytes > (1LL << 40)))
    return Error(ErrorCode::kInvalidArgument,
                 "invalid disk size " + std::to_string(spec.disk_bytes) + ": must be 64M to 1T");
  if (spec.bandwidth_mbit < 0 || spec.bandwidth_mbit > 100000)
    return Error(ErrorCode::kInvalidArgument, "invalid bandwidth " + std::to_string(spec.bandwidth_mbit));
  if (spec.open_files < 64 || spec.open_files > 65536)
    return Error(ErrorCode::kInvalidArgument, "invalid open files limit " + std::to_string(spec.open_files));
  return Ok();
}

}  // namespace vmi::runtime
