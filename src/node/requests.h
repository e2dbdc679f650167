// Parsing and validation of the node's API request bodies. Pure functions:
// untrusted JSON in, a typed request or a clear InvalidArgument error out.
// Unknown fields, wrong types and out-of-range values are rejected, never
// ignored or clamped; every message names the field. The limits here are
// the ones docs/api/openapi.json states.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "node/labels.h"
#include "runtime/core/instance_spec.h"

namespace vmi::node {

// What a create request asks of the per-instance limits; nullopt: not
// given, the owner's quota decides (node/instance_limits.h).
struct ResourceAsk {
  std::optional<int64_t> pids;
  std::optional<int64_t> disk_bytes;
  std::optional<int64_t> bandwidth_mbit;
  std::optional<int64_t> open_files;
};

struct CreateInstanceBody {
  runtime::InstanceSpec spec;
  ResourceAsk ask;
  Labels labels;
};

// POST /api/v1/instances
//   {"name": "p1", "image": "linux-mobile", "cpus": 1, "memory": "1G",
//    "resolution": "720x1280", "dpi": 320, "network": "bridge"|"none",
//    "restart": "never"|"on-failure"|"always",
//    "pids": 256, "disk": "2G", "bandwidth_mbit": 20, "open_files": 1024,
//    "labels": {"team": "qa"}}
// `memory` and `disk` may be a number of bytes or a string with a K/M/G
// suffix; `width`/`height` may replace `resolution`. Defaults fill what is
// absent.
Result<CreateInstanceBody> ParseCreateInstance(const nlohmann::json& body);

struct ExecRequest {
  std::vector<std::string> argv;
  std::chrono::milliseconds timeout{30000};
  size_t max_output = 1 << 20;
};
// POST /api/v1/instances/{id}/exec
//   {"argv": ["ls", "/"], "timeout_ms": 5000, "max_output": 65536}
Result<ExecRequest> ParseExec(const nlohmann::json& body);

// GET /api/v1/instances/{id}/logs?tail_bytes=N: N in 0..16 MiB; absent
// (nullopt) is 1 MiB.
Result<size_t> ParseLogTail(const std::optional<std::string>& tail_bytes);

// POST /api/v1/images  {"name": "img", "path": "/srv/img.tar"} (import) or
//   {"name": "linux-mobile", "build": "linux-mobile"} (build a kind).
struct ImageRequest {
  std::string name;   // may be empty: from the file name, or the kind
  std::string path;   // import
  std::string build;  // build: the kind
  std::string arch;   // build: the CPU architecture (empty: the host's)
};
Result<ImageRequest> ParseImageRequest(const nlohmann::json& body);

// POST /api/v1/images/{name}/export  {"oci": "/srv/dir"} or {"tar": "/srv/img.tar"},
//   optionally "tag" (the layout's ref name, default "latest"). Paths are the
//   node's, absolute, and must not exist.
struct ImageExportRequest {
  std::string oci;  // a layout directory
  std::string tar;  // or a layout in one tar file
  std::string tag;
};
Result<ImageExportRequest> ParseImageExportRequest(const nlohmann::json& body);

}  // namespace vmi::node
