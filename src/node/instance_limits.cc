#include "node/instance_limits.h"

namespace vmi::node {

namespace {

// One limit: `asked` (nullopt: not given) against the quota's `limit` (-1:
// unlimited), in the quota's unit; `fallback` when neither says.
Result<int64_t> Pick(const char* field, const char* unit, std::optional<int64_t> asked,
                     int64_t limit, int64_t fallback) {
  if (!asked) return limit < 0 ? fallback : limit;
  if (limit >= 0 && *asked > limit) {
    return Error(ErrorCode::kResourceExhausted,
                 std::string("quota exceeded: ") + field + " " + std::to_string(*asked) + unit +
                     " requested > limit " + std::to_string(limit) + unit + " per instance");
  }
  return *asked;
}

}  // namespace

Result<void> ApplyResourceLimits(runtime::InstanceSpec& spec, const ResourceAsk& ask,
                                 const api::QuotaLimits& q, const NodeResourceDefaults& d) {
  spec.pids_max = VMI_TRY(Pick("pids", "", ask.pids, q.pids_per_instance, d.pids));
  // Disk is asked in bytes and limited in MiB: round the ask up.
  std::optional<int64_t> disk_mb;
  if (ask.disk_bytes) disk_mb = (*ask.disk_bytes + (1 << 20) - 1) >> 20;
  int64_t mb = VMI_TRY(Pick("disk", " MiB", disk_mb, q.disk_mb_per_instance, d.disk_mb));
  spec.disk_bytes = ask.disk_bytes ? *ask.disk_bytes : mb << 20;
  spec.bandwidth_mbit = VMI_TRY(Pick("bandwidth_mbit", " Mbit/s", ask.bandwidth_mbit,
                                     q.bandwidth_mbit_per_instance, d.bandwidth_mbit));
  spec.open_files =
      VMI_TRY(Pick("open_files", "", ask.open_files, q.open_files_per_instance, d.open_files));
  return Ok();
}

}  // namespace vmi::node
