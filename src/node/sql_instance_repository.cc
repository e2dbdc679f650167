#include "node/sql_instance_repository.h"

namespace vmi::node {

void AddInstanceMigrations(store::Migrations& m) {
  m.Add("node", 1, "instances", R"sql(
CREATE TABLE instances (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  slot BIGINT NOT NULL UNIQUE,
  owner_id BIGINT NOT NULL REFERENCES users(id),
  state TEXT NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX instances_owner ON instances(owner_id);
)sql");
}

void SqlInstanceRepository::SetAdmission(TxHook on_insert, TxHook on_remove) {
  on_insert_ = std::move(on_insert);
  on_remove_ = std::move(on_remove);
}

Result<std::vector<InstanceRecord>> SqlInstanceRepository::LoadAll() {
  auto rows = VMI_TRY_CTX(db_->Query("SELECT id, record FROM instances ORDER BY id"),
                          "load instances");
  std::vector<InstanceRecord> out;
  for (const auto& row : rows.rows) {
    auto j = nlohmann::json::parse(row.Text(1), nullptr, false);
    if (j.is_discarded())
      return Error(ErrorCode::kInternal, "corrupt instance row '" + row.Text(0) + "'");
    out.push_back(VMI_TRY_CTX(RecordFromJson(j), "instance row '" + row.Text(0) + "'"));
  }
  return out;
}

Result<void> SqlInstanceRepository::Insert(const InstanceRecord& r) {
  return db_->TransactVoid([&](store::Tx& tx) -> Result<void> {
    if (on_insert_) {
      auto admitted = on_insert_(tx, r);  // its message names the limit; the caller adds the name
      if (!admitted.ok()) return std::move(admitted).error();
    }
    VMI_TRY_CTX(tx.Exec("INSERT INTO instances (id, name, slot, owner_id, state, record) "
                        "VALUES ($1, $2, $3, $4, $5, $6)",
                        {r.spec.id, r.spec.name, static_cast<int64_t>(r.slot.index), r.owner_id,
                         std::string(InstanceStateName(r.state)), ToJson(r).dump()}),
                "insert instance '" + r.spec.name + "'");
    return Ok();
  });
}

Result<void> SqlInstanceRepository::Update(const InstanceRecord& r) {
  auto n = VMI_TRY_CTX(db_->Exec("UPDATE instances SET state = $2, record = $3 WHERE id = $1",
                                 {r.spec.id, std::string(InstanceStateName(r.state)),
                                  ToJson(r).dump()}),
                       "update instance '" + r.spec.name + "'");
  if (n != 1) return Error(ErrorCode::kNotFound, "no instance row '" + r.spec.id + "'");
  return Ok();
}

Result<void> SqlInstanceRepository::Remove(const std::string& id) {
  return db_->TransactVoid([&](store::Tx& tx) -> Result<void> {
    auto row = VMI_TRY(tx.QueryOne("SELECT record FROM instances WHERE id = $1", {id}));
    if (!row) return Ok();  // already gone: removal is idempotent
    auto n = VMI_TRY_CTX(tx.Exec("DELETE FROM instances WHERE id = $1", {id}),
                         "delete instance '" + id + "'");
    if (n == 1 && on_remove_) {
      auto j = nlohmann::json::parse(row->Text(0), nullptr, false);
      if (j.is_discarded()) return Error(ErrorCode::kInternal, "corrupt instance row '" + id + "'");
      VMI_CHECK_OK(on_remove_(tx, VMI_TRY(RecordFromJson(j))), "release instance '" + id + "'");
    }
    return Ok();
  });
}

}  // namespace vmi::node
