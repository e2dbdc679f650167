// The management tables owned by api/: users, api_tokens, sessions, quotas,
// audit_log (component "api" in schema_version). Other subsystems' tables
// may reference users(id) (e.g. instances.owner_id); add "api" migrations
// before theirs.
#pragma once

#include "store/migrations.h"

namespace vmi::api {

void AddApiMigrations(store::Migrations& m);

}  // namespace vmi::api
