// KubeLedger: what a Phone (cluster/phone.h) takes on the control plane's
// database while it exists: a share of its owner's quota (one instance, its
// CPU and memory requests) and a phone number from the node's range. The
// controller admits a Phone before it creates anything for it and releases
// it in the finalizer; the REST API admits a Phone it creates at once, so
// that its caller hears about an exceeded quota in the answer.
//
//   kube_phones(uid PK, namespace, name, owner_id, cpus_milli, memory_mb)
//   phone_lines(instance_id = "phone:<uid>", number)   (node/phone_service)
//
// Admit and Release are idempotent and each one database transaction, so
// the quota, the row and the number move together; two replicas admitting
// the same Phone at once leave one row (the primary key), and two Phones
// taking the same number leave one of them to try the next free one.
//
// Threads: thread-safe (the Database is).
#pragma once

#include <optional>
#include <string>

#include "api/management.h"
#include "cluster/phone.h"
#include "devices/telephony/number_range.h"
#include "store/database.h"
#include "store/migrations.h"

namespace vmi::node {

class KubeLedger {
 public:
  static void AddMigrations(store::Migrations& m);
  // Borrowed: both outlive the ledger.
  KubeLedger(store::Database* db, api::Management* mgmt, telephony::NumberRange range)
      : db_(db), mgmt_(mgmt), range_(std::move(range)) {}

  // The phone's number. kNotFound: the owner is not a vmi user;
  // kPermissionDenied: the owner is disabled; kResourceExhausted: the
  // owner's quota does not cover it (the message says which limit).
  Result<std::string> Admit(const cluster::Phone& phone);
  Result<void> Release(const cluster::Phone& phone);
  // The number of an admitted Phone (by uid), if any.
  Result<std::optional<std::string>> NumberOf(const std::string& uid);
  // A secret shared by every replica (created by the first to ask).
  Result<std::string> Setting(const std::string& name, const std::string& initial);

 private:
  store::Database* db_;
  api::Management* mgmt_;
  telephony::NumberRange range_;
};

// What a Phone takes from its owner's quota.
api::Usage PhoneUsage(const cluster::PhoneSpec& spec);

}  // namespace vmi::node
