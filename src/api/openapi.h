// Checks the Router against the OpenAPI 3 document: every registered route
// (method and path; `{x*}` is written `{x}` in the document) must be
// documented. The daemon's composition test calls this with its complete
// router, so routes added by any subsystem are covered.
#pragma once

#include <string>
#include <vector>

#include "api/http/response.h"
#include "api/http/router.h"
#include "base/result.h"

namespace vmi::api {

// "GET /api/v1/users/{id}" for each route missing from `doc`; empty when
// all are documented. Routes whose pattern does not start with "/api/" or
// "/metrics" (static files) are not API and are skipped.
std::vector<std::string> UndocumentedRoutes(const Router& router, const Json& doc);
// Operations in `doc` with no route (stale documentation).
std::vector<std::string> UnroutedOperations(const Router& router, const Json& doc);
Result<Json> LoadOpenApi(const std::string& path);

}  // namespace vmi::api
