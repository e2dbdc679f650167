#include "apps/deb_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "base/file.h"
#include "base/unique_fd.h"
#include "runtime/image/archive.h"

namespace vmi::apps {
namespace {

Error Bad(const std::string& what) { return Error(ErrorCode::kInvalidArgument, what); }

}  // namespace

Result<std::vector<ArMember>> ReadArMembers(std::string_view d) {
  if (d.size() < 8 || d.substr(0, 8) != "!<arch>\n")
    return Bad("not a Debian package (no ar header)");
  std::vector<ArMember> out;
  uint64_t p = 8;
  while (p < d.size()) {
    if (d.size() - p < 60) return Bad("truncated Debian package (member header)");
    std::string_view h = d.substr(p, 60);
    if (h.substr(58, 2) != "`\n") return Bad("corrupt Debian package (member header)");
    ArMember m;
    m.name = std::string(Trim(h.substr(0, 16)));
    if (!m.name.empty() && m.name.back() == '/') m.name.pop_back();
    std::string size_text(Trim(h.substr(48, 10)));
    if (size_text.empty() || size_text.find_first_not_of("0123456789") != std::string::npos)
      return Bad("corrupt Debian package (member size)");
    m.size = std::stoull(size_text);
    m.offset = p + 60;
    if (m.size > d.size() - m.offset)
      return Bad("truncated Debian package (member " + m.name + ")");
    p = m.offset + m.size + (m.size & 1);
    out.push_back(std::move(m));
    if (out.size() > 64) return Bad("corrupt Debian package (too many members)");
  }
  if (out.empty() || out[0].name != "debian-binary")
    return Bad("not a Debian package (first member is not debian-binary)");
  return out;
}

Result<DebCheck> CheckDebFile(const std::string& path, const std::string& scratch,
                              uint64_t max_unpacked) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::FromErrno("open " + path);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Error::FromErrno("stat " + path);
  if (st.st_size < 8) return Bad("not a Debian package (too short)");
  void* map = mmap(nullptr, st.st_size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (map == MAP_FAILED) return Error::FromErrno("mmap " + path);
  std::string_view d(static_cast<const char*>(map), st.st_size);
  struct Unmap {
    void* p;
    size_t n;
    ~Unmap() { munmap(p, n); }
  } unmap{map, static_cast<size_t>(st.st_size)};

  auto members = VMI_TRY(ReadArMembers(d));
  const ArMember* data = nullptr;
  for (const auto& m : members)
    if (m.name.rfind("data.tar", 0) == 0) data = &m;
  if (!data) return Bad("not a Debian package (no data.tar member)");

  std::string copy = scratch + "/data-check.tar";
  VMI_CHECK_OK(WriteFile(copy, d.substr(data->offset, data->size)), "copy data.tar");
  DebCheck out;
  auto policy = [&](const image::TarEntry& e) -> Result<void> {
    std::string name = e.path;
    if (name.rfind("./", 0) == 0) name = name.substr(2);
    if ((e.mode & 06000) && e.type != '5')
      return Bad("package contains a setuid or setgid file: " + name);
    if (e.type == '6') return Bad("package contains a FIFO: " + name);
    out.unpacked_bytes += e.size;
    if (out.unpacked_bytes > max_unpacked)
      return Error(ErrorCode::kResourceExhausted,
                   "package unpacks to more than " + std::to_string(max_unpacked) + " bytes");
    if (e.type == '0' && name.rfind("usr/share/applications/", 0) == 0 &&
        name.ends_with(".desktop"))
      out.desktop_entries.push_back(name);
    if (e.type == '0' && (e.mode & 0111)) out.executables.push_back(name);
    return Ok();
  };
  auto scanned = image::ScanArchive(copy, policy);
  unlink(copy.c_str());
  if (!scanned.ok()) return std::move(scanned).error().Context("Debian package");
  return out;
}

}  // namespace vmi::apps
