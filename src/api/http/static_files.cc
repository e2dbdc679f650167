#include "api/http/static_files.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <array>
#include <utility>

#include "base/file.h"

namespace vmi::api {

std::string_view MimeTypeFor(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 22> kTypes = {{
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".ttf", "font/ttf"},
      {".webmanifest", "application/manifest+json"},
      {".mp4", "video/mp4"},
      {".wav", "audio/wav"},
  }};
  size_t dot = path.rfind('.');
  size_t slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    return "application/octet-stream";
  }
  std::string ext(path.substr(dot));
  for (char& c : ext) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  for (const auto& [e, type] : kTypes) {
    if (e == ext) return type;
  }
  return "application/octet-stream";
}

namespace {

Error NotFound(std::string_view path) {
  return Error(ErrorCode::kNotFound, "no file " + std::string(path));
}

// Checks the decoded request path and joins it to root. Refuses anything
// that could step outside.
Result<std::string> SafeJoin(const std::string& root, std::string_view path) {
  if (path.empty() || path[0] != '/') return NotFound(path);
  if (path.find('\0') != std::string_view::npos || path.find('\\') != std::string_view::npos) {
    return NotFound(path);
  }
  for (const std::string& seg : Split(path.substr(1), '/')) {
    if (seg == ".." || seg == ".") return NotFound(path);
    if (!seg.empty() && seg[0] == '.' && seg != ".well-known") return NotFound(path);
  }
  std::string full = root + std::string(path);
  if (!full.empty() && full.back() == '/') full += "index.html";
  return full;
}

// Resolves symlinks and checks the result is still under root.
bool InsideRoot(const std::string& real_root, const std::string& file) {
  char buf[PATH_MAX];
  if (!realpath(file.c_str(), buf)) return false;
  std::string real(buf);
  return real.size() > real_root.size() && real.compare(0, real_root.size(), real_root) == 0 &&
         real[real_root.size()] == '/';
}

Result<Response> Serve(const std::string& real_root, const std::string& file, size_t max) {
  struct stat st;
  if (stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return NotFound(file);
  if (!InsideRoot(real_root, file)) return NotFound(file);
  auto body = VMI_TRY(ReadFile(file, max));
  Response r;
  r.headers.Set("Content-Type", std::string(MimeTypeFor(file)));
  // Vite's hashed assets never change; index.html must be revalidated.
  bool hashed = file.find("/assets/") != std::string::npos;
  r.headers.Set("Cache-Control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
  r.headers.Set("X-Content-Type-Options", "nosniff");
  r.body = std::move(body);
  return r;
}

}  // namespace

Handler StaticFilesHandler(StaticFilesOptions options) {
  char buf[PATH_MAX];
  std::string real_root = realpath(options.root.c_str(), buf) ? std::string(buf) : options.root;
  return [options, real_root](Request& req) -> Result<Response> {
    if (req.path.rfind("/api/", 0) == 0) return NotFound(req.path);
    auto file = SafeJoin(real_root, req.path);
    if (!file.ok()) return std::move(file).error();
    if (IsDirectory(*file)) *file += "/index.html";
    auto r = Serve(real_root, *file, options.max_file_bytes);
    if (r.ok() || !options.spa_fallback || r.error().code() != ErrorCode::kNotFound) return r;
    // Client-side routes ("/instances/a1") load the app; missing assets
    // (anything with an extension) stay 404.
    std::string_view last = std::string_view(req.path).substr(req.path.rfind('/') + 1);
    if (last.find('.') != std::string_view::npos) return r;
    return Serve(real_root, real_root + "/index.html", options.max_file_bytes);
  };
}

}  // namespace vmi::api
