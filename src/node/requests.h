// Parsing and validation of the node's API request bodies. Pure functions:
// untrusted JSON in, a typed request or a clear InvalidArgument error out.
// Unknown fields and wrong types are rejected, never ignored.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/core/instance_spec.h"

namespace vmi::node {

// POST /api/v1/instances
//   {"name": "p1", "image": "linux-mobile", "cpus": 1, "memory": "1G",
//    "resolution": "720x1280", "dpi": 320, "network": "bridge"|"none",
//    "restart": "never"|"on-failure"|"always"}
// `memory` may be a number of bytes or a string with a K/M/G suffix;
// `width`/`height` may replace `resolution`. Defaults fill what is absent.
Result<runtime::InstanceSpec> ParseCreateInstance(const nlohmann::json& body);

struct ExecRequest {
  std::vector<std::string> argv;
  std::chrono::milliseconds timeout{30000};
  size_t max_output = 1 << 20;
};
// POST /api/v1/instances/{id}/exec  {"argv": ["ls", "/"], "timeout_ms": 5000}
Result<ExecRequest> ParseExec(const nlohmann::json& body);

}  // namespace vmi::node
