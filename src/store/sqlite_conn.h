// SQLite backend connection: WAL journal, foreign keys on, busy timeout,
// IMMEDIATE transactions. Parameters $1..$n are bound by name, so they may
// appear in any order and more than once. Used through Database only.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "store/database.h"

namespace vmi::store {

Result<std::unique_ptr<Conn>> OpenSqlite(const std::string& path,
                                         std::chrono::milliseconds busy_timeout);

}  // namespace vmi::store
