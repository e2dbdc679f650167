#include "apps/zip_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "base/unique_fd.h"

namespace vmi::apps {
namespace {

Error Bad(const std::string& what) { return Error(ErrorCode::kInvalidArgument, what); }

uint32_t Le(std::string_view d, size_t off, int n) {
  uint32_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(d[off + i]);
  return v;
}

}  // namespace

Result<void> CheckRelativePath(std::string_view name) {
  std::string shown(name.substr(0, 200));
  if (name.empty()) return Bad("archive member with an empty name");
  if (name[0] == '/' || name[0] == '\\')
    return Bad("archive member with an absolute path: " + shown);
  if (name.size() >= 2 && name[1] == ':')
    return Bad("archive member with a drive letter: " + shown);
  if (name.find('\0') != std::string_view::npos) return Bad("archive member name with a NUL byte");
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find_first_of("/\\", start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view part = name.substr(start, end - start);
    if (part == "..") return Bad("archive member climbs out of its folder: " + shown);
    start = end + 1;
  }
  return Ok();
}

Result<std::vector<ZipMember>> CheckZip(std::string_view d, uint64_t max_total) {
  if (d.size() < 22) return Bad("not a zip archive (too short)");
  // The end record is in the last 22 + 65535 bytes.
  size_t lowest = d.size() > 22 + 65535 ? d.size() - 22 - 65535 : 0;
  size_t eocd = std::string_view::npos;
  for (size_t p = d.size() - 22 + 1; p-- > lowest;) {
    if (d.compare(p, 4, "PK\5\6") == 0 && p + 22 + Le(d, p + 20, 2) == d.size()) {
      eocd = p;
      break;
    }
  }
  if (eocd == std::string_view::npos) return Bad("not a zip archive (no end of central directory)");
  uint32_t entries = Le(d, eocd + 10, 2);
  uint32_t cd_size = Le(d, eocd + 12, 4), cd_off = Le(d, eocd + 16, 4);
  if (Le(d, eocd + 4, 2) != 0 || Le(d, eocd + 6, 2) != 0 || Le(d, eocd + 8, 2) != entries)
    return Bad("multi-disk zip archives are not supported");
  if (entries == 0xffff || cd_size == 0xffffffffu || cd_off == 0xffffffffu)
    return Bad("ZIP64 archives are not supported");
  if (uint64_t{cd_off} + cd_size > eocd)
    return Bad("corrupt zip archive (central directory out of range)");
  std::vector<ZipMember> out;
  uint64_t total = 0;
  size_t p = cd_off, end = cd_off + cd_size;
  for (uint32_t i = 0; i < entries; ++i) {
    if (p + 46 > end || d.compare(p, 4, "PK\1\2") != 0)
      return Bad("corrupt zip archive (central directory entry " + std::to_string(i) + ")");
    uint32_t made_by = Le(d, p + 4, 2) >> 8;
    uint32_t flags = Le(d, p + 8, 2);
    uint32_t size = Le(d, p + 24, 4);
    uint32_t name_len = Le(d, p + 28, 2), extra_len = Le(d, p + 30, 2),
             comment_len = Le(d, p + 32, 2);
    uint32_t external = Le(d, p + 38, 4), local = Le(d, p + 42, 4);
    size_t next = p + 46 + name_len + extra_len + comment_len;
    if (next > end) return Bad("corrupt zip archive (entry past the central directory)");
    if (local >= cd_off) return Bad("corrupt zip archive (member data out of range)");
    if (flags & 1) return Bad("encrypted zip archives are not supported");
    ZipMember m;
    m.name = std::string(d.substr(p + 46, name_len));
    for (char& c : m.name)
      if (c == '\\') c = '/';
    VMI_CHECK_OK(CheckRelativePath(m.name), "zip");
    m.directory = m.name.back() == '/';
    if (made_by == 3) {  // unix: the mode is in the high half
      uint32_t mode = external >> 16, type = mode & 0170000;
      if (type == 0120000) return Bad("zip member is a symbolic link: " + m.name);
      if (type != 0 && type != 0100000 && type != 0040000)
        return Bad("zip member is a device or special file: " + m.name);
      if (mode & 06000) return Bad("zip member is setuid or setgid: " + m.name);
    }
    m.size = size;
    total += size;
    if (total > max_total)
      return Error(ErrorCode::kResourceExhausted,
                   "zip archive unpacks to more than " + std::to_string(max_total) + " bytes");
    out.push_back(std::move(m));
    p = next;
  }
  if (out.empty()) return Bad("empty zip archive");
  return out;
}

Result<std::vector<ZipMember>> CheckZipFile(const std::string& path, uint64_t max_total) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::FromErrno("open " + path);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Error::FromErrno("stat " + path);
  if (st.st_size < 22) return Bad("not a zip archive (too short)");
  void* p = mmap(nullptr, st.st_size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (p == MAP_FAILED) return Error::FromErrno("mmap " + path);
  auto r = CheckZip(std::string_view(static_cast<const char*>(p), st.st_size), max_total);
  munmap(p, st.st_size);
  return r;
}

}  // namespace vmi::apps
