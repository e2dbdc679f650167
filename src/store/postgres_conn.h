// PostgreSQL backend connection over libpq: text-format parameters with
// explicit types for integers and doubles, SERIALIZABLE transactions, and
// SQLSTATE mapped onto ErrorCode. Used through Database only.
#pragma once

#include <memory>
#include <string>

#include "store/database.h"

namespace vmi::store {

// `url` is a libpq connection URI (postgresql://user@host:port/db?...).
Result<std::unique_ptr<Conn>> OpenPostgres(const std::string& url);

// The URL with any password replaced by "***".
std::string RedactPostgresUrl(const std::string& url);

}  // namespace vmi::store
