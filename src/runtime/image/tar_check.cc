#include "runtime/image/tar_check.h"

namespace vmi::image {
namespace {
Error Refuse(const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, "unsafe archive: " + what);
}
}  // namespace

Result<std::string> NormalizeMemberPath(std::string_view name) {
  std::string out;
  size_t i = 0;
  while (i <= name.size()) {
    size_t slash = name.find('/', i);
    if (slash == std::string_view::npos) slash = name.size();
    std::string_view part = name.substr(i, slash - i);
    i = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") return Refuse("\"" + std::string(name) + "\" leaves the root (..)");
    if (part.find('\0') != std::string_view::npos) return Refuse("NUL in a name");
    if (!out.empty()) out += '/';
    out.append(part);
  }
  return out;
}

Result<void> TarSafetyCheck::Check(const TarEntry& e) {
  std::string path = VMI_TRY(NormalizeMemberPath(e.path));
  if (e.type == '3' || e.type == '4') return Refuse("device node " + e.path);
  // No parent may be a symlink this archive created.
  for (size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    if (symlinks_.count(path.substr(0, slash)))
      return Refuse("\"" + e.path + "\" goes through the symlink " + path.substr(0, slash));
  }
  if (e.type == '1') {
    std::string target = VMI_TRY(NormalizeMemberPath(e.link));
    if (target.empty()) return Refuse("hard link " + e.path + " to the root");
    for (size_t slash = target.find('/'); slash != std::string::npos;
         slash = target.find('/', slash + 1)) {
      if (symlinks_.count(target.substr(0, slash)))
        return Refuse("hard link " + e.path + " goes through a symlink");
    }
    if (symlinks_.count(target)) return Refuse("hard link " + e.path + " to a symlink");
  }
  if (e.type == '2') {
    if (e.link.empty()) return Refuse("empty symlink " + e.path);
    if (e.link[0] != '/') {
      // Depth of the directory holding the link, then walk the target.
      int depth = 0;
      for (char c : path) depth += c == '/';
      std::string_view t = e.link;
      size_t i = 0;
      while (i <= t.size()) {
        size_t slash = t.find('/', i);
        if (slash == std::string_view::npos) slash = t.size();
        std::string_view part = t.substr(i, slash - i);
        i = slash + 1;
        if (part == "..") {
          if (--depth < 0) return Refuse("symlink " + e.path + " -> " + e.link + " leaves the root");
        } else if (!part.empty() && part != ".") {
          ++depth;
        }
      }
    }
    symlinks_.insert(path);
  } else {
    // A later member replacing a symlink with something else.
    symlinks_.erase(path);
  }
  // OCI whiteouts.
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : path.substr(0, slash);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base == ".wh..wh..opq") {
    opaque_dirs_.push_back(dir);
  } else if (base.rfind(".wh.", 0) == 0) {
    std::string target = base.substr(4);
    if (target.empty() || target == "." || target == "..") return Refuse("bad whiteout " + e.path);
    whiteouts_.push_back(dir.empty() ? target : dir + "/" + target);
  }
  if (!path.empty() && seen_.insert(path).second) members_.push_back(path);
  return Ok();
}

}  // namespace vmi::image
