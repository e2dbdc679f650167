// Files of a running instance, for `vmi cp` (docs/devices.md, "Files"):
//
//   GET /api/v1/instances/{id}/files/stat?path=P  {"path", "type", "size", "mode"}
//   GET /api/v1/instances/{id}/files?path=P       the file's bytes, streamed (chunked);
//                                                 X-Vmi-File-Size gives the size
//   PUT /api/v1/instances/{id}/files?path=P       the body becomes the file (spooled to
//                                                 the node's disk as it arrives, then
//                                                 copied in); 201 {"path", "size"}
//
// Paths are the guest's, resolved in its own view and never outside it
// (runtime/core/guest_files.h). All three are the instance action "exec"
// (they read or change anything inside it), and each is audited
// (instance.file.stat/read/write). Uploads are at most `max_upload_bytes`
// (413 beyond) and must fit in the target's free space (507).
//
// Threads: the routes run on the server's blocking pool; each download
// streams from a thread of its own ("vmi-cp") that ends with the transfer
// or when the client goes away; at most 8 run at once (503 beyond).
#pragma once

#include <string>

#include "api/http/router.h"
#include "node/api_routes.h"

namespace vmi::node {

struct FileRouteOptions {
  std::string spool_dir;  // where uploads are streamed to (created by the caller)
  uint64_t max_upload_bytes = 4ull << 30;
};

void RegisterFileRoutes(api::Router& router, InstanceManager& m, FileRouteOptions options,
                        InstanceRouteHooks hooks);

}  // namespace vmi::node
