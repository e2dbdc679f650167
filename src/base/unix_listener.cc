#include "base/unix_listener.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace vmi {

Result<UniqueFd> ListenUnix(const std::string& path, const UnixListenerOptions& options) {
  // The temporary name is longer than `path`: both must fit sun_path.
  std::string temp = path + "." + std::to_string(getpid());
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (temp.size() >= sizeof(addr.sun_path))
    return Error(ErrorCode::kInvalidArgument, "socket path too long: " + path);
  std::memcpy(addr.sun_path, temp.data(), temp.size());
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return Error::FromErrno("socket");
  unlink(temp.c_str());  // left by a process of the same pid that died here
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0)
    return Error::FromErrno("bind " + temp);
  auto fail = [&](const std::string& what) {
    Error e = Error::FromErrno(what);
    unlink(temp.c_str());
    return e;
  };
  if ((options.uid || options.gid) &&
      chown(temp.c_str(), options.uid.value_or(static_cast<uid_t>(-1)),
            options.gid.value_or(static_cast<gid_t>(-1))) < 0)
    return fail("chown " + temp);
  if (chmod(temp.c_str(), options.mode) < 0) return fail("chmod " + temp);
  if (listen(fd.get(), options.backlog) < 0) return fail("listen " + temp);
  if (rename(temp.c_str(), path.c_str()) < 0) return fail("rename " + temp + " to " + path);
  return fd;
}

}  // namespace vmi
