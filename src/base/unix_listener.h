// Listening Unix stream sockets whose path appears only once they accept.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace vmi {

struct UnixListenerOptions {
  mode_t mode = 0600;
  int backlog = 16;
  // Owner of the socket file, when it is not the caller (an instance's root).
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
};

// Binds `path` (a socket left there by an earlier process is replaced) and
// listens; the socket is non-blocking and close-on-exec. Clients that wait
// for the path to exist must find a socket that accepts: between bind and
// listen a connect is refused, so the socket is bound under a temporary name
// beside `path`, given its mode and owner, put to listening and only then
// renamed over `path`.
Result<UniqueFd> ListenUnix(const std::string& path, const UnixListenerOptions& options = {});

}  // namespace vmi
