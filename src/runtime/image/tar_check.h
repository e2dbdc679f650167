// Safety policy for archives the store extracts (rootfs tarballs and OCI
// layers). Every member is checked before `tar` writes anything:
//
//  - names are normalized ("./a//b/" -> "a/b"; a leading "/" is dropped);
//    a ".." component is refused (path traversal);
//  - a member whose path goes through a symlink that an earlier member of
//    the same archive created is refused (the classic "link -> /etc, then
//    link/passwd" escape);
//  - hard link targets must be normalized, inside paths, same rules;
//  - relative symlink targets that climb above the root from where the link
//    sits are refused; absolute targets are allowed (in a rootfs they are
//    resolved inside the instance, and the store resolves them in-root too);
//  - character and block devices are refused (instances get their own /dev).
//
// It also collects OCI whiteouts (".wh.<name>" and ".wh..wh..opq").
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "runtime/image/tar_reader.h"

namespace vmi::image {

// "" for the root itself.
Result<std::string> NormalizeMemberPath(std::string_view name);

class TarSafetyCheck {
 public:
  Result<void> Check(const TarEntry& entry);

  // Paths (normalized) whose lower-layer content an OCI layer deletes, and
  // directories it makes opaque.
  const std::vector<std::string>& whiteouts() const { return whiteouts_; }
  const std::vector<std::string>& opaque_dirs() const { return opaque_dirs_; }
  // Normalized names of every member seen, in order.
  const std::vector<std::string>& members() const { return members_; }
  bool has_member(const std::string& normalized) const { return seen_.count(normalized) > 0; }

 private:
  std::set<std::string> symlinks_;
  std::set<std::string> seen_;
  std::vector<std::string> members_;
  std::vector<std::string> whiteouts_;
  std::vector<std::string> opaque_dirs_;
};

}  // namespace vmi::image
