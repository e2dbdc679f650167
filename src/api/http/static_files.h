// Static file serving for the web console (web/dist): GET/HEAD only.
//
// Paths are resolved under `root` after percent-decoding; any ".." segment,
// NUL, backslash or symlink escaping the root is refused (404, not 403, so
// nothing about the host's layout leaks). A path with no file falls back to
// index.html when `spa_fallback` (client-side routing), except for paths
// under /api/ which get a JSON 404. Files are read per request (they are
// small); ETag/Last-Modified are not implemented yet.
//
// Threads: the handler is stateless and may run on any thread.
#pragma once

#include <string>
#include <string_view>

#include "api/http/router.h"

namespace vmi::api {

struct StaticFilesOptions {
  std::string root;  // directory; must exist
  bool spa_fallback = true;
  size_t max_file_bytes = 64 << 20;
};

// A handler for Router::SetFallback (or for a "{path*}" route: it serves
// Request::path in either case).
Handler StaticFilesHandler(StaticFilesOptions options);

// "text/html; charset=utf-8" for "index.html", etc.; application/octet-stream
// when unknown.
std::string_view MimeTypeFor(std::string_view path);

}  // namespace vmi::api
