#include "node/kube_ledger.h"

#include <set>

namespace vmi::node {
namespace {

std::string LineId(const std::string& uid) { return "phone:" + uid; }

}  // namespace

void KubeLedger::AddMigrations(store::Migrations& m) {
  m.Add("kube", 1, "kube_phones", R"sql(
CREATE TABLE kube_phones (
  uid TEXT PRIMARY KEY,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  owner_id BIGINT NOT NULL,
  cpus_milli BIGINT NOT NULL,
  memory_mb BIGINT NOT NULL
);
CREATE TABLE kube_settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql");
}

api::Usage PhoneUsage(const cluster::PhoneSpec& spec) {
  int64_t bytes = cluster::QuantityBytes(spec.memory);
  int64_t mib = bytes < 0 ? 0 : (bytes + (1 << 20) - 1) >> 20;
  return api::Usage{1, std::max<int64_t>(0, cluster::CpuMilli(spec.cpu)), mib};
}

Result<std::string> KubeLedger::Admit(const cluster::Phone& phone) {
  const std::string& uid = phone.meta.uid;
  if (uid.empty()) return Error(ErrorCode::kInvalidArgument, "phone without a uid");
  if (auto n = VMI_TRY(NumberOf(uid))) return *n;
  auto user = mgmt_->users().GetByName(phone.spec.owner);
  if (!user.ok()) {
    if (user.error().code() == ErrorCode::kNotFound)
      return Error(ErrorCode::kNotFound, "owner '" + phone.spec.owner + "' is not a vmi user");
    return std::move(user).error();
  }
  if (user->disabled)
    return Error(ErrorCode::kPermissionDenied, "owner '" + phone.spec.owner + "' is disabled");
  const api::Usage usage = PhoneUsage(phone.spec);
  const int64_t owner = user->id;
  // A number taken by a concurrent admission makes the insert fail
  // (UNIQUE): the next attempt sees it taken.
  for (int attempt = 0;; ++attempt) {
    auto r = db_->Transact<std::string>([&](store::Tx& tx) -> Result<std::string> {
      auto line = VMI_TRY(
          tx.QueryOne("SELECT number FROM phone_lines WHERE instance_id = $1", {LineId(uid)}));
      auto row = VMI_TRY(tx.QueryOne("SELECT 1 FROM kube_phones WHERE uid = $1", {uid}));
      if (row && line) return line->Text(0);
      if (!row) {
        VMI_CHECK_OK(mgmt_->quotas().Reserve(tx, owner, usage),
                     "phone " + phone.meta.name + " of " + phone.spec.owner);
        VMI_TRY(tx.Exec(
            "INSERT INTO kube_phones (uid, namespace, name, owner_id, cpus_milli, memory_mb) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            {uid, phone.meta.ns, phone.meta.name, owner, usage.cpus_milli, usage.memory_mb}));
      }
      if (line) return line->Text(0);
      auto rows = VMI_TRY(tx.Query("SELECT number FROM phone_lines"));
      std::set<std::string> taken;
      for (const auto& t : rows.rows) taken.insert(t.Text(0));
      std::string number = VMI_TRY(range_.FirstFree(taken));
      VMI_TRY(tx.Exec("INSERT INTO phone_lines (instance_id, number) VALUES ($1, $2)",
                      {LineId(uid), number}));
      return number;
    });
    if (r.ok() || r.error().code() != ErrorCode::kAlreadyExists || attempt >= 4) return r;
  }
}

Result<void> KubeLedger::Release(const cluster::Phone& phone) {
  const std::string& uid = phone.meta.uid;
  return db_->TransactVoid([&](store::Tx& tx) -> Result<void> {
    auto row = VMI_TRY(tx.QueryOne(
        "SELECT owner_id, cpus_milli, memory_mb FROM kube_phones WHERE uid = $1", {uid}));
    if (row) {
      VMI_CHECK_OK(mgmt_->quotas().Release(tx, row->Int("owner_id"),
                                           {1, row->Int("cpus_milli"), row->Int("memory_mb")}),
                   "phone " + phone.meta.name);
      VMI_TRY(tx.Exec("DELETE FROM kube_phones WHERE uid = $1", {uid}));
    }
    VMI_TRY(tx.Exec("DELETE FROM phone_lines WHERE instance_id = $1", {LineId(uid)}));
    return Ok();
  });
}

Result<std::optional<std::string>> KubeLedger::NumberOf(const std::string& uid) {
  auto row = VMI_TRY(db_->QueryOne(
      "SELECT l.number FROM phone_lines l JOIN kube_phones p ON l.instance_id = $1 AND p.uid = $2",
      {LineId(uid), uid}));
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(row->Text(0));
}

Result<std::string> KubeLedger::Setting(const std::string& name, const std::string& initial) {
  auto once = [&] {
    return db_->Transact<std::string>([&](store::Tx& tx) -> Result<std::string> {
      auto row = VMI_TRY(tx.QueryOne("SELECT value FROM kube_settings WHERE name = $1", {name}));
      if (row) return row->Text(0);
      VMI_TRY(tx.Exec("INSERT INTO kube_settings (name, value) VALUES ($1, $2)", {name, initial}));
      return initial;
    });
  };
  auto r = once();
  // Another replica inserted it first: read theirs.
  if (!r.ok() && r.error().code() == ErrorCode::kAlreadyExists) return once();
  return r;
}

}  // namespace vmi::node
