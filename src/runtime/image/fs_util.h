// File-system helpers of the image store that base/file.h does not have.
// All of them refuse to follow symlinks where a rootfs could redirect them.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace vmi::image {

// Apparent size of a tree (lstat sizes; symlinks are not followed).
Result<uint64_t> TreeSize(const std::string& path);

// Opens `relative` (a path inside the rootfs) as if `root` were "/": ".."
// and symlinks, absolute or not, cannot leave root (openat2 RESOLVE_IN_ROOT).
Result<UniqueFd> OpenInRoot(const std::string& root, const std::string& relative, int flags);

// Removes `relative` (file or tree) inside root, resolving its parent
// directories inside root. A missing path is not an error.
Result<void> RemoveInRoot(const std::string& root, const std::string& relative);

// Removes every entry of directory `relative` inside root, keeping the
// directory itself (OCI opaque whiteout).
Result<void> ClearDirInRoot(const std::string& root, const std::string& relative);

// A fresh directory name next to `path`: "<dir>/.<tag>-<base>-<pid>-<n>".
std::string TempSibling(const std::string& path, const std::string& tag);

// FNV-1a 64 of a tree's relative paths, types, modes and contents: a cheap
// change detector (not a security digest).
Result<std::string> TreeDigest(const std::string& path);

}  // namespace vmi::image
