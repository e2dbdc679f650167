#include "cli/credentials.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "base/file.h"

namespace vmi::cli {

using Json = nlohmann::json;

std::string NormalizeServer(std::string s) {
  if (!s.empty() && s[0] == '/') return "unix://" + s;
  size_t colon = s.find("://");
  if (colon == std::string::npos) return s;
  std::transform(s.begin(), s.begin() + colon, s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (s.compare(0, 7, "unix://") != 0) {
    // Host names are case-insensitive; the path part (none expected) is kept.
    size_t host_end = s.find('/', colon + 3);
    std::transform(
        s.begin() + colon + 3, host_end == std::string::npos ? s.end() : s.begin() + host_end,
        s.begin() + colon + 3, [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    while (s.size() > colon + 3 && s.back() == '/') s.pop_back();
  }
  return s;
}

std::string Credentials::DefaultPath() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg && xdg[0] == '/') return std::string(xdg) + "/vmi/credentials";
  const char* home = std::getenv("HOME");
  std::string h = home && home[0] ? home : "";
  if (h.empty()) {
    if (struct passwd* pw = getpwuid(getuid()); pw && pw->pw_dir) h = pw->pw_dir;
  }
  if (h.empty()) h = "/";
  return h + "/.config/vmi/credentials";
}

Result<Credentials> Credentials::Load(const std::string& path) {
  Credentials c;
  c.path_ = path;
  if (!PathExists(path)) return c;
  auto text = VMI_TRY_CTX(ReadFile(path, 1 << 20), "credentials");
  Json j = Json::parse(text, nullptr, false);
  if (!j.is_object())
    return Error(ErrorCode::kInvalidArgument,
                 path + " is not valid JSON: remove it and log in again");
  if (j.contains("current") && j["current"].is_string())
    c.current_ = j["current"].get<std::string>();
  if (j.contains("servers") && j["servers"].is_object()) {
    for (const auto& [server, v] : j["servers"].items()) {
      if (!v.is_object() || !v.contains("token") || !v["token"].is_string()) continue;
      StoredLogin l;
      l.token = v["token"].get<std::string>();
      l.token_id = v.value("token_id", int64_t{0});
      l.user = v.value("user", "");
      l.created_at = v.value("created_at", int64_t{0});
      c.servers_[server] = std::move(l);
    }
  }
  return c;
}

std::optional<StoredLogin> Credentials::Get(const std::string& server) const {
  auto it = servers_.find(NormalizeServer(server));
  if (it == servers_.end()) return std::nullopt;
  return it->second;
}

void Credentials::Put(const std::string& server, StoredLogin login) {
  servers_[NormalizeServer(server)] = std::move(login);
}

void Credentials::Remove(const std::string& server) {
  std::string key = NormalizeServer(server);
  servers_.erase(key);
  if (current_ == key) current_.clear();
}

Result<void> Credentials::Save() const {
  size_t slash = path_.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    std::string dir = path_.substr(0, slash);
    bool existed = IsDirectory(dir);
    VMI_CHECK_OK(MakeDirs(dir, 0700), "credentials directory");
    // A directory made just now for the credentials is private; an existing
    // one (e.g. ~/.config) is left as its owner set it.
    if (!existed && chmod(dir.c_str(), 0700) != 0) return Error::FromErrno("chmod " + dir);
  }
  Json servers = Json::object();
  for (const auto& [server, l] : servers_) {
    servers[server] = {{"token", l.token},
                       {"token_id", l.token_id},
                       {"user", l.user},
                       {"created_at", l.created_at}};
  }
  Json j = {{"current", current_}, {"servers", servers}};
  VMI_CHECK_OK(WriteFileAtomic(path_, j.dump(2) + "\n", 0600), "save credentials");
  // WriteFileAtomic's mode applies to a new temporary file; make sure a
  // stale one did not carry wider permissions over.
  if (chmod(path_.c_str(), 0600) != 0) return Error::FromErrno("chmod " + path_);
  return Ok();
}

}  // namespace vmi::cli
