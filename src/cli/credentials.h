// Credentials: the CLI's stored API tokens, one per server, in a file only
// its owner can read (0600 in a 0700 directory), written atomically.
//
//   $XDG_CONFIG_HOME/vmi/credentials   (default ~/.config/vmi/credentials)
//   {"current": "http://127.0.0.1:8080",
//    "servers": {"http://127.0.0.1:8080":
//                  {"token": "vmi_...", "token_id": 3, "user": "admin",
//                   "created_at": 1714550000}}}
//
// `current` is the server of the last `vmi login`: commands given no
// --server and no $VMI_SERVER talk to it.
//
// Ownership: a plain value; Load() reads the file once, Save() replaces it.
// Threads: none of its own; not shared.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "base/result.h"

namespace vmi::cli {

struct StoredLogin {
  std::string token;
  int64_t token_id = 0;
  std::string user;
  int64_t created_at = 0;
};

class Credentials {
 public:
  // $XDG_CONFIG_HOME/vmi/credentials, else $HOME/.config/vmi/credentials,
  // else the passwd entry's home.
  static std::string DefaultPath();
  // A missing file is an empty store; a malformed one is an error.
  static Result<Credentials> Load(const std::string& path);

  std::optional<StoredLogin> Get(const std::string& server) const;
  void Put(const std::string& server, StoredLogin login);
  // Forgets the server's login (and `current` if it was that server).
  void Remove(const std::string& server);
  const std::string& current() const { return current_; }
  void set_current(std::string server) { current_ = std::move(server); }
  bool empty() const { return servers_.empty() && current_.empty(); }

  // Writes the file (0600; its directory is created 0700).
  Result<void> Save() const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string current_;
  std::map<std::string, StoredLogin> servers_;
};

// The key a server is stored under: a bare path becomes unix://path, the
// scheme is lower-cased and a trailing '/' of an http(s) URL dropped, so
// "HTTP://h:1/" and "http://h:1" are the same server.
std::string NormalizeServer(std::string server);

}  // namespace vmi::cli
