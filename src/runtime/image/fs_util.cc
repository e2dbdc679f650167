#include "runtime/image/fs_util.h"

#include <fcntl.h>
#include <ftw.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <vector>

#include "base/file.h"

namespace vmi::image {

namespace {
thread_local uint64_t g_tree_size;
int AddSize(const char*, const struct stat* st, int, struct FTW*) {
  g_tree_size += static_cast<uint64_t>(st->st_size);
  return 0;
}
}  // namespace

Result<uint64_t> TreeSize(const std::string& path) {
  g_tree_size = 0;
  if (nftw(path.c_str(), AddSize, 64, FTW_PHYS) != 0) return Error::FromErrno("walk " + path);
  return g_tree_size;
}

Result<UniqueFd> OpenInRoot(const std::string& root, const std::string& relative, int flags) {
  UniqueFd root_fd(open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd) return Error::FromErrno("open " + root);
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  std::string rel = relative.empty() ? "." : relative;
  int fd = static_cast<int>(syscall(SYS_openat2, root_fd.get(), rel.c_str(), &how, sizeof how));
  if (fd < 0) return Error::FromErrno("open " + relative + " in " + root);
  return UniqueFd(fd);
}

namespace {
std::pair<std::string, std::string> SplitParent(const std::string& relative) {
  std::string r = relative;
  while (!r.empty() && r.back() == '/') r.pop_back();
  size_t slash = r.rfind('/');
  if (slash == std::string::npos) return {".", r};
  return {r.substr(0, slash), r.substr(slash + 1)};
}
}  // namespace

Result<void> RemoveInRoot(const std::string& root, const std::string& relative) {
  auto [parent, base] = SplitParent(relative);
  if (base.empty() || base == "." || base == "..")
    return Error(ErrorCode::kInvalidArgument, "cannot remove \"" + relative + "\"");
  auto dir = OpenInRoot(root, parent, O_PATH | O_DIRECTORY);
  if (!dir.ok()) {
    if (dir.error().err_no() == ENOENT || dir.error().err_no() == ENOTDIR) return Ok();
    return std::move(dir).error();
  }
  // Through the fd, the parent cannot be swapped for a symlink under us;
  // RemoveTree itself never follows symlinks.
  std::string path = "/proc/self/fd/" + std::to_string(dir->get()) + "/" + base;
  struct stat st;
  if (fstatat(dir->get(), base.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return Ok();
    return Error::FromErrno("stat " + relative);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (unlinkat(dir->get(), base.c_str(), 0) != 0 && errno != ENOENT)
      return Error::FromErrno("unlink " + relative);
    return Ok();
  }
  return RemoveTree(path).Context("remove " + relative);
}

Result<void> ClearDirInRoot(const std::string& root, const std::string& relative) {
  auto dir = OpenInRoot(root, relative, O_RDONLY | O_DIRECTORY);
  if (!dir.ok()) {
    if (dir.error().err_no() == ENOENT) return Ok();
    return std::move(dir).error();
  }
  auto names = VMI_TRY(ListDirectory(relative, dir->get()));
  for (const auto& n : names) {
    VMI_CHECK_OK(RemoveInRoot(root, (relative.empty() ? "" : relative + "/") + n),
                 "clear " + relative);
  }
  return Ok();
}

std::string TempSibling(const std::string& path, const std::string& tag) {
  static std::atomic<int> counter{0};
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  size_t slash = p.rfind('/');
  std::string dir = slash == std::string::npos ? "." : p.substr(0, slash);
  std::string base = slash == std::string::npos ? p : p.substr(slash + 1);
  return dir + "/." + tag + "-" + base + "-" + std::to_string(getpid()) + "-" +
         std::to_string(counter++);
}

namespace {
struct Fnv {
  uint64_t h = 1469598103934665603ull;
  void Add(const void* data, size_t n) {
    auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  }
  void Add(const std::string& s) {
    Add(s.data(), s.size());
    Add("\0", 1);
  }
};

Result<void> DigestTree(const std::string& base, const std::string& rel, Fnv& fnv) {
  std::string path = rel.empty() ? base : base + "/" + rel;
  auto names = VMI_TRY(ListDirectory(path));
  for (const auto& n : names) {
    std::string r = rel.empty() ? n : rel + "/" + n;
    struct stat st;
    if (lstat((base + "/" + r).c_str(), &st) != 0) return Error::FromErrno("stat " + r);
    fnv.Add(r);
    uint32_t mode = st.st_mode;
    fnv.Add(&mode, sizeof mode);
    if (S_ISDIR(st.st_mode)) {
      if (auto sub = DigestTree(base, r, fnv); !sub.ok()) return std::move(sub).error();
    } else if (S_ISLNK(st.st_mode)) {
      char buf[4096];
      ssize_t len = readlink((base + "/" + r).c_str(), buf, sizeof buf);
      if (len > 0) fnv.Add(std::string(buf, len));
    } else if (S_ISREG(st.st_mode)) {
      fnv.Add(VMI_TRY(ReadFile(base + "/" + r)));
    }
  }
  return Ok();
}
}  // namespace

Result<std::string> TreeDigest(const std::string& path) {
  Fnv fnv;
  auto r = DigestTree(path, "", fnv);
  if (!r.ok()) return std::move(r).error();
  char buf[32];
  snprintf(buf, sizeof buf, "fnv1a64:%016llx", static_cast<unsigned long long>(fnv.h));
  return std::string(buf);
}

}  // namespace vmi::image
