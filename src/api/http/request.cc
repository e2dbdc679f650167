#include "api/http/request.h"

#include <strings.h>

#include "base/file.h"

namespace vmi::api {

namespace {
bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}
}  // namespace

const char* RoleName(Role role) {
  switch (role) {
    case Role::kNone: return "none";
    case Role::kUser: return "user";
    case Role::kAdmin: return "admin";
  }
  return "none";
}

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "user") return Role::kUser;
  if (name == "admin") return Role::kAdmin;
  return std::nullopt;
}

void Headers::Set(std::string name, std::string value) {
  std::erase_if(fields_, [&](const auto& f) { return IEquals(f.first, name); });
  fields_.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string_view> Headers::Get(std::string_view name) const {
  for (const auto& f : fields_) {
    if (IEquals(f.first, name)) return std::string_view(f.second);
  }
  return std::nullopt;
}

std::string_view Request::Param(const std::string& name) const {
  auto it = params.find(name);
  if (it == params.end()) return {};
  return it->second;
}

std::optional<std::string> Request::Query(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Request::Cookie(std::string_view name) const {
  for (const auto& f : headers.fields()) {
    if (!IEquals(f.first, "Cookie")) continue;
    for (const std::string& part : Split(f.second, ';')) {
      std::string_view kv = Trim(part);
      size_t eq = kv.find('=');
      if (eq == std::string_view::npos) continue;
      if (Trim(kv.substr(0, eq)) == name) return std::string(Trim(kv.substr(eq + 1)));
    }
  }
  return std::nullopt;
}

std::optional<std::string> Request::BearerToken() const {
  auto v = headers.Get("Authorization");
  if (!v) return std::nullopt;
  std::string_view s = Trim(*v);
  if (s.size() < 7 || !IEquals(s.substr(0, 7), "Bearer ")) return std::nullopt;
  std::string_view token = Trim(s.substr(7));
  if (token.empty()) return std::nullopt;
  return std::string(token);
}

}  // namespace vmi::api
