#include "api/openapi.h"

#include <algorithm>
#include <cctype>

#include "base/file.h"

namespace vmi::api {

namespace {
std::string DocPath(const Route& r) {
  std::string p = r.pattern;
  size_t star;
  while ((star = p.find("*}")) != std::string::npos) p.erase(star, 1);
  return p;
}
std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return s;
}
bool IsApi(const Route& r) {
  return r.pattern.rfind("/api/", 0) == 0 || r.pattern == "/metrics";
}
}  // namespace

std::vector<std::string> UndocumentedRoutes(const Router& router, const Json& doc) {
  std::vector<std::string> out;
  const Json* paths = doc.contains("paths") ? &doc["paths"] : nullptr;
  for (const Route* r : router.Routes()) {
    if (!IsApi(*r)) continue;
    std::string path = DocPath(*r);
    bool ok = paths && paths->contains(path) && (*paths)[path].contains(Lower(r->method));
    if (!ok) out.push_back(r->method + " " + path);
  }
  return out;
}

std::vector<std::string> UnroutedOperations(const Router& router, const Json& doc) {
  std::vector<std::string> out;
  if (!doc.contains("paths") || !doc["paths"].is_object()) return out;
  static const char* kMethods[] = {"get", "post", "put", "patch", "delete"};
  for (auto it = doc["paths"].begin(); it != doc["paths"].end(); ++it) {
    for (const char* m : kMethods) {
      if (!it.value().contains(m)) continue;
      bool found = false;
      for (const Route* r : router.Routes()) {
        if (DocPath(*r) == it.key() && Lower(r->method) == m) found = true;
      }
      if (!found) {
        std::string up(m);
        std::transform(up.begin(), up.end(), up.begin(), ::toupper);
        out.push_back(up + " " + it.key());
      }
    }
  }
  return out;
}

Result<Json> LoadOpenApi(const std::string& path) {
  auto text = VMI_TRY(ReadFile(path));
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Error(ErrorCode::kInvalidArgument, path + ": not a JSON object");
  }
  if (!j.contains("openapi") || !j["openapi"].is_string() ||
      j["openapi"].get<std::string>().rfind("3.", 0) != 0) {
    return Error(ErrorCode::kInvalidArgument, path + ": not an OpenAPI 3 document");
  }
  return j;
}

}  // namespace vmi::api
