#include "runtime/image/layer_merge.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "base/file.h"
#include "runtime/image/fs_util.h"

namespace vmi::image {
namespace {

bool IsWhiteout(const std::string& name) { return name.rfind(".wh.", 0) == 0; }

// Moves layer_dir/rel into rootfs/rel (rel "" = the roots themselves, which
// are merged, never replaced).
Result<void> Merge(const std::string& layer_dir, const std::string& rel,
                   const std::string& rootfs) {
  std::string src_dir = rel.empty() ? layer_dir : layer_dir + "/" + rel;
  auto names = VMI_TRY(ListDirectory(src_dir));
  // The destination directory, resolved inside the rootfs.
  UniqueFd dst = VMI_TRY(OpenInRoot(rootfs, rel, O_PATH | O_DIRECTORY));
  UniqueFd src(open(src_dir.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!src) return Error::FromErrno("open " + src_dir);
  for (const auto& name : names) {
    if (IsWhiteout(name)) continue;
    std::string child = rel.empty() ? name : rel + "/" + name;
    struct stat s_st, d_st;
    if (fstatat(src.get(), name.c_str(), &s_st, AT_SYMLINK_NOFOLLOW) != 0)
      return Error::FromErrno("stat " + child);
    bool d_exists = fstatat(dst.get(), name.c_str(), &d_st, AT_SYMLINK_NOFOLLOW) == 0;
    if (S_ISDIR(s_st.st_mode) && d_exists && S_ISDIR(d_st.st_mode)) {
      VMI_CHECK_OK(Merge(layer_dir, child, rootfs), "merge " + child);
      // The upper layer's directory metadata wins.
      UniqueFd d(openat(dst.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (d) {
        fchmod(d.get(), s_st.st_mode & 07777);
        if (fchown(d.get(), s_st.st_uid, s_st.st_gid) != 0) {
          // Not fatal: ownership of an existing directory stays.
        }
      }
      continue;
    }
    if (d_exists) VMI_CHECK_OK(RemoveInRoot(rootfs, child), "replace " + child);
    if (renameat(src.get(), name.c_str(), dst.get(), name.c_str()) != 0)
      return Error::FromErrno("move " + child);
  }
  return Ok();
}

}  // namespace

Result<void> ApplyLayer(const std::string& layer_dir, const TarSafetyCheck& scan,
                        const std::string& rootfs) {
  for (const auto& dir : scan.opaque_dirs()) {
    VMI_CHECK_OK(ClearDirInRoot(rootfs, dir), "opaque whiteout " + dir);
  }
  for (const auto& path : scan.whiteouts()) {
    VMI_CHECK_OK(RemoveInRoot(rootfs, path), "whiteout " + path);
  }
  return Merge(layer_dir, "", rootfs);
}

}  // namespace vmi::image
