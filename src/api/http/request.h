// Request: what a route handler sees of one HTTP request.
//
// Plain value types with no Boost in them, so handlers (and their tests) do
// not pull Beast into every translation unit. The server fills every field
// except `auth`, which the router's middleware (api/auth) fills before the
// handler runs. A Request is owned by the connection that read it; a handler
// may keep a copy but not a pointer beyond its own return (or, for async
// handlers, beyond the call of its Responder).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace vmi::api {

// Who is at the other end of the connection.
struct PeerInfo {
  enum class Transport { kUnix, kTcp };
  Transport transport = Transport::kTcp;
  bool tls = false;
  std::string address;  // "127.0.0.1", "::1", or the socket path for kUnix
  uint16_t port = 0;
  // SO_PEERCRED of a Unix-socket peer; -1 over TCP.
  pid_t pid = -1;
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
  // What the process that handed this connection over attached to it
  // (Server::Adopt), e.g. an object whose lifetime tells that process the
  // connection is still served. Null for connections accepted here.
  std::shared_ptr<void> attachment;
};

enum class Role { kNone, kUser, kAdmin };
const char* RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

// Who the request acts as. Empty (anonymous) until the auth middleware runs.
struct AuthContext {
  enum class Method { kNone, kSession, kToken, kLocalPeer };
  Method method = Method::kNone;
  int64_t user_id = 0;  // 0: anonymous
  std::string user_name;
  Role role = Role::kNone;
  int64_t token_id = 0;         // set when method == kToken
  std::string session_id_hash;  // set when method == kSession

  bool authenticated() const { return user_id != 0; }
  bool is_admin() const { return role == Role::kAdmin; }
};

// Case-insensitive header list; keeps order and duplicates.
class Headers {
 public:
  void Add(std::string name, std::string value) {
    fields_.emplace_back(std::move(name), std::move(value));
  }
  // Replaces every field of that name with one.
  void Set(std::string name, std::string value);
  // First value of the field, if present.
  std::optional<std::string_view> Get(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

struct Request {
  std::string method;  // upper case: "GET", "POST", ...
  std::string target;  // as received: path and query
  std::string path;    // percent-decoded path, without the query
  std::map<std::string, std::string> params;  // from the route pattern {name}
  std::multimap<std::string, std::string> query;
  Headers headers;
  std::string body;
  // Routes with RouteOptions::spool_dir: the file holding the body ("" when
  // none was sent). The handler owns it.
  std::string body_file;
  PeerInfo peer;
  AuthContext auth;

  // Convenience lookups; empty string_view / nullopt when absent.
  std::string_view Param(const std::string& name) const;
  std::optional<std::string> Query(const std::string& name) const;
  // Value of one cookie from the Cookie header.
  std::optional<std::string> Cookie(std::string_view name) const;
  // "Bearer xyz" -> "xyz".
  std::optional<std::string> BearerToken() const;
};

}  // namespace vmi::api
