#include "api/auth/quotas.h"

namespace vmi::api {

namespace {
Json Limit(int64_t v) { return v < 0 ? Json(nullptr) : Json(v); }
}  // namespace

Json Quota::ToJson() const {
  return {{"limits",
           {{"instances", Limit(limits.max_instances)},
            {"cpus", limits.max_cpus_milli < 0 ? Json(nullptr) : Json(limits.max_cpus_milli / 1000.0)},
            {"memory_mb", Limit(limits.max_memory_mb)},
            {"pids_per_instance", Limit(limits.pids_per_instance)},
            {"disk_mb_per_instance", Limit(limits.disk_mb_per_instance)},
            {"bandwidth_mbit_per_instance", Limit(limits.bandwidth_mbit_per_instance)},
            {"open_files_per_instance", Limit(limits.open_files_per_instance)}}},
          {"used",
           {{"instances", used.instances},
            {"cpus", used.cpus_milli / 1000.0},
            {"memory_mb", used.memory_mb}}}};
}

Result<void> Quotas::EnsureRow(store::Tx& tx, int64_t user_id) {
  // ON CONFLICT DO NOTHING: the same syntax on SQLite and PostgreSQL, and no
  // race between two first reservations.
  const QuotaLimits& d = defaults_;
  VMI_TRY_CTX(tx.Exec("INSERT INTO quotas (user_id, max_instances, max_cpus_milli, max_memory_mb,"
                      " pids_per_instance, disk_mb_per_instance, bandwidth_mbit_per_instance,"
                      " open_files_per_instance) "
                      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (user_id) DO NOTHING",
                      {user_id, d.max_instances, d.max_cpus_milli, d.max_memory_mb,
                       d.pids_per_instance, d.disk_mb_per_instance, d.bandwidth_mbit_per_instance,
                       d.open_files_per_instance}),
              "quota of user " + std::to_string(user_id));
  return Ok();
}

Result<Quota> Quotas::Get(int64_t user_id) {
  return db_->Transact<Quota>([&](store::Tx& tx) -> Result<Quota> {
    VMI_CHECK_OK(EnsureRow(tx, user_id), "quota");
    auto r = VMI_TRY(tx.QueryOne("SELECT * FROM quotas WHERE user_id = $1", {user_id}));
    Quota q;
    q.limits = {r->Int("max_instances"),        r->Int("max_cpus_milli"),
                r->Int("max_memory_mb"),        r->Int("pids_per_instance"),
                r->Int("disk_mb_per_instance"), r->Int("bandwidth_mbit_per_instance"),
                r->Int("open_files_per_instance")};
    q.used = {r->Int("used_instances"), r->Int("used_cpus_milli"), r->Int("used_memory_mb")};
    return q;
  });
}

Result<void> Quotas::SetLimits(int64_t user_id, QuotaLimits l) {
  return db_->TransactVoid([&](store::Tx& tx) -> Result<void> {
    VMI_CHECK_OK(EnsureRow(tx, user_id), "quota");
    VMI_TRY(tx.Exec("UPDATE quotas SET max_instances = $2, max_cpus_milli = $3, max_memory_mb = $4,"
                    " pids_per_instance = $5, disk_mb_per_instance = $6,"
                    " bandwidth_mbit_per_instance = $7, open_files_per_instance = $8 "
                    "WHERE user_id = $1",
                    {user_id, l.max_instances, l.max_cpus_milli, l.max_memory_mb,
                     l.pids_per_instance, l.disk_mb_per_instance, l.bandwidth_mbit_per_instance,
                     l.open_files_per_instance}));
    return Ok();
  });
}

Result<void> Quotas::Reserve(store::Tx& tx, int64_t user_id, Usage d) {
  if (d.instances < 0 || d.cpus_milli < 0 || d.memory_mb < 0) {
    return Error(ErrorCode::kInvalidArgument, "negative reservation");
  }
  VMI_CHECK_OK(EnsureRow(tx, user_id), "quota");
  auto n = VMI_TRY(tx.Exec(
      "UPDATE quotas SET used_instances = used_instances + $2,"
      " used_cpus_milli = used_cpus_milli + $3, used_memory_mb = used_memory_mb + $4 "
      "WHERE user_id = $1"
      " AND (max_instances < 0 OR used_instances + $2 <= max_instances)"
      " AND (max_cpus_milli < 0 OR used_cpus_milli + $3 <= max_cpus_milli)"
      " AND (max_memory_mb < 0 OR used_memory_mb + $4 <= max_memory_mb)",
      {user_id, d.instances, d.cpus_milli, d.memory_mb}));
  if (n == 1) return Ok();
  auto r = VMI_TRY(tx.QueryOne("SELECT * FROM quotas WHERE user_id = $1", {user_id}));
  auto over = [&](const char* what, int64_t used, int64_t delta, int64_t max, double scale,
                  const char* unit) {
    char buf[256];
    snprintf(buf, sizeof buf, "quota exceeded: %s %g%s in use + %g%s requested > limit %g%s", what,
             used / scale, unit, delta / scale, unit, max / scale, unit);
    return Error(ErrorCode::kResourceExhausted, buf);
  };
  int64_t mi = r->Int("max_instances"), mc = r->Int("max_cpus_milli"), mm = r->Int("max_memory_mb");
  if (mi >= 0 && r->Int("used_instances") + d.instances > mi) {
    return over("instances", r->Int("used_instances"), d.instances, mi, 1, "");
  }
  if (mc >= 0 && r->Int("used_cpus_milli") + d.cpus_milli > mc) {
    return over("cpus", r->Int("used_cpus_milli"), d.cpus_milli, mc, 1000, "");
  }
  return over("memory", r->Int("used_memory_mb"), d.memory_mb, mm, 1, " MiB");
}

Result<void> Quotas::Release(store::Tx& tx, int64_t user_id, Usage d) {
  VMI_CHECK_OK(EnsureRow(tx, user_id), "quota");
  VMI_TRY(tx.Exec(
      "UPDATE quotas SET"
      " used_instances = CASE WHEN used_instances > $2 THEN used_instances - $2 ELSE 0 END,"
      " used_cpus_milli = CASE WHEN used_cpus_milli > $3 THEN used_cpus_milli - $3 ELSE 0 END,"
      " used_memory_mb = CASE WHEN used_memory_mb > $4 THEN used_memory_mb - $4 ELSE 0 END "
      "WHERE user_id = $1",
      {user_id, d.instances, d.cpus_milli, d.memory_mb}));
  return Ok();
}

}  // namespace vmi::api
