#include "base/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "base/unique_fd.h"

namespace vmi {

Result<std::string> ReadFile(const std::string& path, size_t max_size) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::FromErrno("open " + path);
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::FromErrno("read " + path);
    }
    if (n == 0) break;
    if (out.size() + n > max_size) {
      return Error(ErrorCode::kResourceExhausted,
                   path + " is larger than " + std::to_string(max_size) + " bytes");
    }
    out.append(buf, n);
  }
  return out;
}

namespace {
Result<void> WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::FromErrno("write " + path);
    }
    data.remove_prefix(n);
  }
  return Ok();
}
}  // namespace

Result<void> WriteFileAtomic(const std::string& path, std::string_view data, int mode,
                             bool durable) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  UniqueFd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd) return Error::FromErrno("create " + tmp);
  auto r = WriteAll(fd.get(), data, tmp);
  if (r.ok() && durable && fsync(fd.get()) != 0) r = Error::FromErrno("fsync " + tmp);
  fd.reset();
  if (r.ok() && rename(tmp.c_str(), path.c_str()) != 0) r = Error::FromErrno("rename to " + path);
  if (!r.ok()) unlink(tmp.c_str());
  return r;
}

Result<void> WriteFile(const std::string& path, std::string_view data) {
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return Error::FromErrno("open " + path);
  return WriteAll(fd.get(), data, path);
}

Result<void> MakeDirs(const std::string& path, int mode) {
  if (path.empty()) return Ok();
  std::string cur;
  for (const auto& part : Split(path, '/')) {
    if (part.empty()) {
      if (cur.empty()) cur = "/";
      continue;
    }
    if (!cur.empty() && cur.back() != '/') cur += '/';
    cur += part;
    if (mkdir(cur.c_str(), mode) != 0 && errno != EEXIST) return Error::FromErrno("mkdir " + cur);
  }
  if (!IsDirectory(path))
    return Error(ErrorCode::kFailedPrecondition, path + " is not a directory");
  return Ok();
}

Result<void> CheckSearchableByOthers(const std::string& path) {
  char* real = realpath(path.c_str(), nullptr);
  if (real == nullptr) return Error::FromErrno("resolve " + path);
  std::string dir(real);
  free(real);
  while (dir.size() > 1) {
    dir.resize(std::max<size_t>(dir.rfind('/'), 1));
    struct stat st;
    if (stat(dir.c_str(), &st) != 0) return Error::FromErrno("stat " + dir);
    if ((st.st_mode & S_IXOTH) == 0) {
      char mode[8];
      snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
      return Error(ErrorCode::kFailedPrecondition,
                   dir + " (mode " + mode + ") is not searchable by other users, so " + path +
                       " cannot be reached from an instance's unprivileged user: chmod o+x " +
                       dir + " or use a directory outside it");
    }
  }
  return Ok();
}

namespace {
int RemoveEntry(const char* path, const struct stat*, int type, FTW*) {
  int r = (type == FTW_DP) ? rmdir(path) : unlink(path);
  if (r != 0 && errno != ENOENT) return errno;
  return 0;
}
}  // namespace

Result<std::vector<std::string>> ListDirectory(const std::string& path, int dir_fd) {
  DIR* d = dir_fd >= 0 ? fdopendir(dup(dir_fd)) : opendir(path.c_str());
  if (!d) return Error::FromErrno("opendir " + path);
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

Result<void> RemoveTree(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Ok();
    return Error::FromErrno("stat " + path);
  }
  int e = nftw(path.c_str(), RemoveEntry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
  if (e != 0) return Error::FromErrno("remove " + path, e > 0 ? e : errno);
  return Ok();
}

bool PathExists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

bool IsDirectory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(sep, start);
    out.emplace_back(s.substr(start, pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace vmi
