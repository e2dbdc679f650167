// Per-user quotas: number of instances, total CPUs (in millicpus) and total
// memory (MiB), each -1 for unlimited, kept with the current usage in the
// `quotas` table; and per-instance limits (pids, disk, bandwidth, open
// files) that bound, and by default set, what each instance gets (the node
// applies them at creation: node/instance_limits.h).
//
// Atomicity: Reserve() and Release() take the caller's transaction, so the
// quota moves together with the instance row:
//
//   db->TransactVoid([&](store::Tx& tx) -> Result<void> {
//     VMI_CHECK_OK(quotas.Reserve(tx, owner, {1, 2000, 2048}), "quota");
//     VMI_TRY(tx.Exec("INSERT INTO instances ...", {...}));
//     return Ok();
//   });
//
// Reserve is one conditional UPDATE (usage + delta <= limit), so concurrent
// creations can never exceed a limit on either backend; when it does not fit
// it fails with kResourceExhausted naming the limit, and the caller's
// transaction rolls back. Release never goes below zero.
//
// Threads: thread-safe; calls block on the database.
#pragma once

#include <cstdint>

#include "api/http/response.h"
#include "api/request_validation.h"
#include "store/database.h"

namespace vmi::api {

struct Usage {
  int64_t instances = 0;
  int64_t cpus_milli = 0;
  int64_t memory_mb = 0;
};


struct Quota {
  QuotaLimits limits;
  Usage used;
  Json ToJson() const;
};

class Quotas {
 public:
  // `defaults` apply to users without their own row (created lazily).
  Quotas(store::Database* db, QuotaLimits defaults) : db_(db), defaults_(defaults) {}

  Result<Quota> Get(int64_t user_id);
  Result<void> SetLimits(int64_t user_id, QuotaLimits limits);
  Result<void> Reserve(store::Tx& tx, int64_t user_id, Usage delta);
  Result<void> Release(store::Tx& tx, int64_t user_id, Usage delta);
  const QuotaLimits& defaults() const { return defaults_; }

 private:
  Result<void> EnsureRow(store::Tx& tx, int64_t user_id);
  store::Database* db_;
  QuotaLimits defaults_;
};

}  // namespace vmi::api
