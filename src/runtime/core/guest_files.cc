#include "runtime/core/guest_files.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "base/secret.h"

namespace vmi::runtime {

namespace {

Error Invalid(const std::string& message) { return Error(ErrorCode::kInvalidArgument, message); }

// openat2 within the guest's root (glibc 2.36 has no wrapper).
int OpenInRoot(int root_fd, const std::string& path, int flags, mode_t mode = 0) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.mode = mode;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  // Relative to the root: RESOLVE_IN_ROOT treats a leading "/" as the root too.
  return static_cast<int>(syscall(SYS_openat2, root_fd, path.c_str(), &how, sizeof how));
}

Error Failed(const std::string& what, const std::string& path) {
  int e = errno;
  if (e == ELOOP) return Invalid(path + ": a symbolic link that cannot be followed here");
  if (e == EXDEV) return Invalid(path + ": leaves the instance's file tree");
  return Error::FromErrno(what + " " + path, e);
}

// "/a/b/c" -> ("/a/b", "c"); "/c" -> ("/", "c").
std::pair<std::string, std::string> SplitPath(const std::string& path) {
  size_t slash = path.rfind('/');
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

const char* TypeOf(mode_t m) {
  if (S_ISREG(m)) return "file";
  if (S_ISDIR(m)) return "directory";
  if (S_ISLNK(m)) return "symlink";
  return "other";
}

Result<void> WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return Error::FromErrno("write");
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Ok();
}

}  // namespace

Result<std::string> ValidateGuestPath(std::string_view path) {
  if (path.empty() || path.front() != '/')
    return Invalid("guest path \"" + std::string(path.substr(0, 200)) + "\" must be absolute");
  if (path.size() > 4096) return Invalid("guest path longer than 4096 bytes");
  if (path.find('\0') != std::string_view::npos) return Invalid("guest path with a NUL byte");
  std::string out;
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view part = path.substr(start, slash - start);
    start = slash + 1;
    if (part.empty()) continue;
    if (part == "." || part == "..")
      return Invalid("guest path \"" + std::string(path.substr(0, 200)) +
                     "\": no \".\" or \"..\" components");
    if (part.size() > 255) return Invalid("guest path: a name longer than 255 bytes");
    out += "/";
    out += part;
  }
  if (out.empty()) return Invalid("guest path \"/\" is a directory, not a file");
  return out;
}

Result<UniqueFd> OpenGuestRoot(pid_t init_pid) {
  std::string root = "/proc/" + std::to_string(init_pid) + "/root";
  UniqueFd fd(open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return Error::FromErrno("open the instance's root " + root);
  return fd;
}

Result<GuestFile> OpenGuestFile(int root_fd, const std::string& path) {
  UniqueFd fd(OpenInRoot(root_fd, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
  if (!fd) return Failed("open", path);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Error::FromErrno("stat " + path);
  if (!S_ISREG(st.st_mode))
    return Invalid(path + " is a " + TypeOf(st.st_mode) + ", not a regular file");
  // Back to blocking reads (it was non-blocking only so that a FIFO could
  // not hang the open).
  fcntl(fd.get(), F_SETFL, 0);
  return GuestFile{std::move(fd), static_cast<uint64_t>(st.st_size), st.st_mode & 07777u};
}

Result<GuestFileInfo> StatGuestPath(int root_fd, const std::string& path) {
  UniqueFd fd(OpenInRoot(root_fd, path, O_PATH | O_NOFOLLOW));
  if (!fd) return Failed("stat", path);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Error::FromErrno("stat " + path);
  return GuestFileInfo{TypeOf(st.st_mode), static_cast<uint64_t>(st.st_size), st.st_mode & 07777u};
}

Result<uint64_t> WriteGuestFile(int root_fd, const std::string& path, int src_fd, uint64_t size,
                                const GuestWrite& w) {
  auto [dir, base] = SplitPath(path);
  UniqueFd dir_fd(OpenInRoot(root_fd, dir, O_PATH | O_DIRECTORY));
  if (!dir_fd) return Failed("open the directory", dir);
  // What is there now decides the owner and mode; a directory or anything
  // but a regular file is not replaced.
  uid_t uid = w.uid;
  gid_t gid = w.gid;
  mode_t mode = w.mode;
  struct stat st;
  if (fstatat(dir_fd.get(), base.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (!S_ISREG(st.st_mode))
      return Invalid(path + " is a " + TypeOf(st.st_mode) + "; only a regular file is replaced");
    uid = st.st_uid;
    gid = st.st_gid;
    mode = st.st_mode & 07777;
  } else if (errno != ENOENT) {
    return Error::FromErrno("stat " + path);
  }
  struct statvfs fs;
  if (fstatvfs(dir_fd.get(), &fs) == 0) {
    uint64_t free_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
    if (size > free_bytes)
      return Error(ErrorCode::kResourceExhausted,
                   path + ": " + std::to_string(size) + " bytes do not fit in the " +
                       std::to_string(free_bytes) + " free on the instance's file system");
  }
  std::string tmp = ".vmi-cp-" + RandomHex(6);
  auto create = [&] {
    return UniqueFd(openat(dir_fd.get(), tmp.c_str(),
                           O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  };
  // A file system of the guest's user namespace (its /tmp tmpfs) refuses
  // the host's root, which has no id there (EOVERFLOW): such steps are
  // retried as the guest's root. The fs ids are per thread, and put back.
  auto as_guest_root = [&](auto step) {
    int old_uid = setfsuid(w.uid);
    int old_gid = setfsgid(w.gid);
    auto r = step();
    int saved = errno;
    setfsgid(static_cast<gid_t>(old_gid));
    setfsuid(static_cast<uid_t>(old_uid));
    errno = saved;
    return r;
  };
  UniqueFd out = create();
  if (!out && errno == EOVERFLOW) out = as_guest_root(create);
  if (!out) return Failed("create a file in", dir);
  auto fail = [&](Error e) -> Error {
    unlinkat(dir_fd.get(), tmp.c_str(), 0);
    if (e.err_no() == ENOSPC || e.err_no() == EDQUOT)
      return Error(ErrorCode::kResourceExhausted, path + ": the instance's disk is full");
    return e;
  };
  uint64_t copied = 0;
  static constexpr size_t kChunk = 1 << 20;
  std::string buf(kChunk, '\0');
  while (copied < size) {
    ssize_t n = read(src_fd, buf.data(), static_cast<size_t>(std::min<uint64_t>(kChunk, size - copied)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(Error::FromErrno("read the upload"));
    if (n == 0) return fail(Error(ErrorCode::kInvalidArgument, "the upload ended early"));
    if (auto wr = WriteAll(out.get(), buf.data(), static_cast<size_t>(n)); !wr.ok())
      return fail(std::move(wr).error().Context(path));
    copied += static_cast<uint64_t>(n);
    if (w.progress) w.progress(copied);
  }
  if (fchown(out.get(), uid, gid) != 0) return fail(Error::FromErrno("chown " + path));
  if (fchmod(out.get(), mode) != 0) return fail(Error::FromErrno("chmod " + path));
  out.reset();
  auto rename = [&] { return renameat(dir_fd.get(), tmp.c_str(), dir_fd.get(), base.c_str()); };
  int renamed = rename();
  if (renamed != 0 && errno == EOVERFLOW) renamed = as_guest_root(rename);
  if (renamed != 0) return fail(Error::FromErrno("rename into " + path));
  return copied;
}

}  // namespace vmi::runtime
