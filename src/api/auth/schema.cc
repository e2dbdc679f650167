#include "api/auth/schema.h"

#include <ctime>

namespace vmi::api {

void AddApiMigrations(store::Migrations& m) {
  m.Add("api", 1, "users, tokens, sessions, quotas, audit", R"sql(
CREATE TABLE users (
  id ${ID},
  name TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'user')),
  disabled BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE api_tokens (
  id ${ID},
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  last_used_at BIGINT,
  revoked_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  peer TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE quotas (
  user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  max_instances BIGINT NOT NULL,
  max_cpus_milli BIGINT NOT NULL,
  max_memory_mb BIGINT NOT NULL,
  used_instances BIGINT NOT NULL DEFAULT 0,
  used_cpus_milli BIGINT NOT NULL DEFAULT 0,
  used_memory_mb BIGINT NOT NULL DEFAULT 0,
  CHECK (used_instances >= 0 AND used_cpus_milli >= 0 AND used_memory_mb >= 0)
);
CREATE TABLE audit_log (
  id ${ID},
  at BIGINT NOT NULL,
  user_id BIGINT,
  user_name TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  outcome TEXT NOT NULL,
  detail TEXT NOT NULL,
  peer TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
)sql");
  // Per-instance limits: every resource an instance can take is bounded by
  // its owner's quota (docs/security.md). Existing rows get the defaults of
  // ManagementOptions::default_quota.
  m.Add("api", 2, "per-instance quota limits", R"sql(
ALTER TABLE quotas ADD COLUMN pids_per_instance BIGINT NOT NULL DEFAULT 512;
ALTER TABLE quotas ADD COLUMN disk_mb_per_instance BIGINT NOT NULL DEFAULT 4096;
ALTER TABLE quotas ADD COLUMN bandwidth_mbit_per_instance BIGINT NOT NULL DEFAULT 100;
ALTER TABLE quotas ADD COLUMN open_files_per_instance BIGINT NOT NULL DEFAULT 4096;
)sql");
}

}  // namespace vmi::api
