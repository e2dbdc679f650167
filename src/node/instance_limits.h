// Per-instance resource limits from the owner's quota: pids, disk (the
// writable layer's size), network bandwidth and open files. The quota's
// per-instance value is both the ceiling and the default: a create request
// may ask for less, never more; a request that asks for more is refused
// naming the field and the limit. An unlimited quota (-1) falls back to the
// node defaults below for what the request leaves out, and to the
// api::kMax* ceilings for what it asks.
//
// Threads: pure functions.
#pragma once

#include "api/request_validation.h"
#include "node/requests.h"

namespace vmi::node {

struct NodeResourceDefaults {
  int64_t pids = 512;
  int64_t disk_mb = 4096;
  int64_t bandwidth_mbit = 0;  // 0: not shaped
  int64_t open_files = 4096;
};

// Fills spec.pids_max, disk_bytes, bandwidth_mbit and open_files;
// kResourceExhausted when the request asks for more than `quota` allows.
Result<void> ApplyResourceLimits(runtime::InstanceSpec& spec, const ResourceAsk& ask,
                                 const api::QuotaLimits& quota,
                                 const NodeResourceDefaults& defaults = {});

}  // namespace vmi::node
