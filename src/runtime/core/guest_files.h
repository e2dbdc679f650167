// Files inside a running guest, for `vmi cp` (docs/devices.md, "Files"):
// the host reads and writes them in the guest's own view - its mounts
// included (its /tmp is a tmpfs only it sees) - and never outside it.
//
// The guest's root is /proc/<init>/root, opened once per transfer. Every
// path is resolved from it with openat2(RESOLVE_IN_ROOT |
// RESOLVE_NO_MAGICLINKS): absolute symlinks and ".." resolve inside the
// guest's tree, never above it, and /proc magic links (a guest's own
// /proc/1/root...) are refused. Paths given by callers must be absolute
// and free of "." and ".." components (ValidateGuestPath), so what a
// caller names is what it gets.
//
// Reading opens only regular files (O_NOFOLLOW | O_NONBLOCK, then fstat):
// a FIFO, socket or device the guest put at a path is refused, not read.
// Writing never opens the existing file: the data goes to a new temporary
// file beside it (O_EXCL), which then replaces it by rename, so a guest
// cannot redirect the write through a last-moment symlink or a device
// node. A new file belongs to the guest's root (or keeps the owner and
// mode of the file it replaces). What does not fit in the free space of
// the target's file system (the instance's disk image, or its /tmp) is
// refused before anything is written.
//
// Threads: plain functions; each call uses only its own fds.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/unique_fd.h"

namespace vmi::runtime {

// The path as given, if absolute, at most 4096 bytes, without NUL, "."
// or ".." components, and not the root itself; repeated slashes are
// folded ("//tmp///x" -> "/tmp/x"). kInvalidArgument naming the problem.
Result<std::string> ValidateGuestPath(std::string_view path);

// The guest's root directory, through its init process.
Result<UniqueFd> OpenGuestRoot(pid_t init_pid);

struct GuestFile {
  UniqueFd fd;     // open for reading
  uint64_t size = 0;
  uint32_t mode = 0;
};
// A regular file of the guest (kNotFound, kInvalidArgument for anything
// else, with the path in the message).
Result<GuestFile> OpenGuestFile(int root_fd, const std::string& path);

struct GuestFileInfo {
  std::string type;  // "file", "directory", "symlink", "other"
  uint64_t size = 0;
  uint32_t mode = 0;
};
// What is at `path` (a final symlink is not followed).
Result<GuestFileInfo> StatGuestPath(int root_fd, const std::string& path);

struct GuestWrite {
  uid_t uid = 0;  // owner of a new file: the guest's root on the host
  gid_t gid = 0;
  uint32_t mode = 0644;
  // Called with the bytes copied so far, now and then.
  std::function<void(uint64_t)> progress;
};
// Writes `size` bytes read from `src_fd` to `path` in the guest (its
// directory must exist). kResourceExhausted when they do not fit.
Result<uint64_t> WriteGuestFile(int root_fd, const std::string& path, int src_fd, uint64_t size,
                                const GuestWrite& w);

}  // namespace vmi::runtime
