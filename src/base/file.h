// Small file-system helpers returning Result, with strerror in every error.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vmi {

Result<std::string> ReadFile(const std::string& path, size_t max_size = 64 << 20);
// Writes via a temporary file, fsync and rename: readers see the old or the
// new contents, never a torn file. `durable` false skips the fsync, for
// files whose loss in a host crash does not matter (a guest's sysfs view):
// readers still never see a torn file.
Result<void> WriteFileAtomic(const std::string& path, std::string_view data, int mode = 0644,
                             bool durable = true);
// Plain write (truncate). For cgroup and proc files.
Result<void> WriteFile(const std::string& path, std::string_view data);
// mkdir -p.
Result<void> MakeDirs(const std::string& path, int mode = 0755);
// rm -rf that never crosses into another mount and never follows symlinks.
// A missing path is not an error.
Result<void> RemoveTree(const std::string& path);
// The names in a directory (without "." and ".."), sorted. `dir_fd` >= 0
// lists that open directory instead of `path` (used only in errors then).
Result<std::vector<std::string>> ListDirectory(const std::string& path, int dir_fd = -1);
// Fails, naming the first one, when a directory on the way to `path` (its
// ancestors, not `path` itself) lacks the search bit for others: processes of
// other users (an instance's unprivileged root) cannot reach `path` then.
Result<void> CheckSearchableByOthers(const std::string& path);
bool PathExists(const std::string& path);
bool IsDirectory(const std::string& path);

std::vector<std::string> Split(std::string_view s, char sep);
std::string_view Trim(std::string_view s);

}  // namespace vmi
