#include "apps/pe_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <vector>

#include "base/unique_fd.h"

namespace vmi::apps {
namespace {

constexpr uint32_t kRtIcon = 3;
constexpr uint32_t kRtGroupIcon = 14;
constexpr uint32_t kRtVersion = 16;
// Resource trees of real programs are a few levels and a few hundred
// entries; these bounds stop a crafted file from making the reader loop.
constexpr int kMaxEntriesPerDir = 4096;
constexpr size_t kMaxIconBytes = 4 << 20;

Error Bad(const std::string& what) { return Error(ErrorCode::kInvalidArgument, what); }

// Bounds-checked little-endian reads; `ok` turns false on the first
// out-of-range read and stays so.
struct Bytes {
  std::string_view d;
  bool ok = true;
  bool Has(uint64_t off, uint64_t n) const { return off <= d.size() && n <= d.size() - off; }
  uint32_t U(uint64_t off, int n) {
    if (!Has(off, n)) {
      ok = false;
      return 0;
    }
    uint32_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(d[off + i]);
    return v;
  }
  uint16_t U16(uint64_t off) { return static_cast<uint16_t>(U(off, 2)); }
  uint32_t U32(uint64_t off) { return U(off, 4); }
};

struct Section {
  uint32_t rva, vsize, raw_off, raw_size;
};

class Reader {
 public:
  explicit Reader(std::string_view d) : b_{d} {}

  Result<PeInfo> Read() {
    PeInfo info;
    if (b_.d.size() < 2 || b_.d.substr(0, 2) != "MZ")
      return Bad("not a Windows program (no MZ header)");
    uint32_t pe = b_.U32(0x3c);
    if (!b_.ok || !b_.Has(pe, 24)) return Bad("truncated Windows program (no PE header)");
    if (b_.d.substr(pe, 4) != std::string_view("PE\0\0", 4))
      return Bad("not a Win32 program (an MS-DOS or 16-bit executable)");
    uint32_t coff = pe + 4;
    info.raw_machine = b_.U16(coff);
    switch (info.raw_machine) {
      case 0x14c:
        info.machine = PeMachine::kI386;
        break;
      case 0x8664:
        info.machine = PeMachine::kAmd64;
        break;
      case 0xaa64:
        info.machine = PeMachine::kArm64;
        break;
      case 0x1c4:
        info.machine = PeMachine::kArmNt;
        break;
      default:
        info.machine = PeMachine::kOther;
    }
    uint32_t nsections = b_.U16(coff + 2);
    uint32_t opt_size = b_.U16(coff + 16);
    info.dll = (b_.U16(coff + 18) & 0x2000) != 0;
    uint32_t opt = coff + 20;
    if (!b_.Has(opt, opt_size) || opt_size < 2)
      return Bad("truncated Windows program (optional header)");
    uint16_t magic = b_.U16(opt);
    if (magic != 0x10b && magic != 0x20b)
      return Bad("malformed Windows program (optional header magic)");
    info.pe32_plus = magic == 0x20b;
    uint32_t ndirs_off = info.pe32_plus ? 108 : 92;
    if (opt_size < ndirs_off + 4) return Bad("truncated Windows program (optional header)");
    info.gui = b_.U16(opt + 68) == 2;
    uint32_t ndirs = b_.U32(opt + ndirs_off);
    auto dir = [&](uint32_t i, uint32_t& rva, uint32_t& size) {
      rva = size = 0;
      if (i >= ndirs || ndirs_off + 4 + (i + 1) * 8 > opt_size) return;
      rva = b_.U32(opt + ndirs_off + 4 + i * 8);
      size = b_.U32(opt + ndirs_off + 8 + i * 8);
    };
    uint32_t sec_table = opt + opt_size;
    if (nsections == 0 || nsections > 96 || !b_.Has(sec_table, uint64_t{nsections} * 40))
      return Bad("truncated Windows program (section table)");
    uint64_t image_end = 0;
    for (uint32_t i = 0; i < nsections; ++i) {
      uint32_t s = sec_table + i * 40;
      Section sec{b_.U32(s + 12), b_.U32(s + 8), b_.U32(s + 20), b_.U32(s + 16)};
      sections_.push_back(sec);
      if (sec.raw_size && uint64_t{sec.raw_off} + sec.raw_size > image_end)
        image_end = uint64_t{sec.raw_off} + sec.raw_size;
    }
    if (image_end > b_.d.size())
      return Bad("truncated Windows program (sections end past the file)");
    uint32_t clr_rva, clr_size;
    dir(14, clr_rva, clr_size);
    info.dotnet = clr_rva != 0 && clr_size != 0;
    // Installers carry their payload after the last section (the overlay).
    std::string_view overlay = b_.d.substr(image_end);
    if (overlay.find("NullsoftInst") != std::string_view::npos)
      info.installer = "nsis";
    else if (b_.d.find("Inno Setup Setup Data") != std::string_view::npos)
      info.installer = "inno";

    uint32_t res_rva, res_size;
    dir(2, res_rva, res_size);
    if (res_rva && res_size) {
      auto base = Offset(res_rva);
      if (!base) return Bad("malformed Windows program (resource directory outside every section)");
      res_ = *base;
      info.name = VersionName();
      info.icon = Icon();
    }
    if (!b_.ok) return Bad("malformed Windows program (resource data out of range)");
    return info;
  }

 private:
  // File offset of an RVA, when some section's raw data holds it.
  std::optional<uint64_t> Offset(uint32_t rva, uint32_t len = 1) const {
    for (const auto& s : sections_) {
      uint32_t span = std::min(s.vsize ? s.vsize : s.raw_size, s.raw_size);
      if (rva >= s.rva && uint64_t{rva} + len <= uint64_t{s.rva} + span) {
        uint64_t off = uint64_t{s.raw_off} + (rva - s.rva);
        if (b_.Has(off, len)) return off;
      }
    }
    return std::nullopt;
  }

  // The entries of the resource directory at `dir_off` (relative to the
  // resource section): (id, offset with the subdirectory bit).
  std::vector<std::pair<uint32_t, uint32_t>> Entries(uint32_t dir_off) {
    std::vector<std::pair<uint32_t, uint32_t>> out;
    uint64_t d = res_ + dir_off;
    uint32_t n = uint32_t{b_.U16(d + 12)} + b_.U16(d + 14);
    if (!b_.ok || n > kMaxEntriesPerDir) return out;
    for (uint32_t i = 0; i < n && b_.Has(d + 16 + i * 8, 8); ++i)
      out.emplace_back(b_.U32(d + 16 + i * 8), b_.U32(d + 20 + i * 8));
    return out;
  }

  // The data of resource (type, id) in its first language; id 0 = first.
  std::optional<std::string_view> Find(uint32_t type, uint32_t id) {
    for (auto [t, toff] : Entries(0)) {
      if (t != type || !(toff & 0x80000000u)) continue;
      for (auto [i, ioff] : Entries(toff & 0x7fffffffu)) {
        if ((id && i != id) || !(ioff & 0x80000000u)) continue;
        for (auto [lang, loff] : Entries(ioff & 0x7fffffffu)) {
          (void)lang;
          if (loff & 0x80000000u) continue;
          uint64_t leaf = res_ + loff;
          uint32_t rva = b_.U32(leaf), size = b_.U32(leaf + 4);
          if (!b_.ok) return std::nullopt;
          auto off = Offset(rva, size);
          if (!off || size == 0) return std::nullopt;
          return b_.d.substr(*off, size);
        }
      }
    }
    return std::nullopt;
  }

  std::string Icon() {
    auto group = Find(kRtGroupIcon, 0);
    if (!group || group->size() < 6) return {};
    Bytes g{*group};
    uint32_t count = g.U16(4);
    if (g.U16(2) != 1 || count == 0 || !g.Has(6, uint64_t{count} * 14)) return {};
    // Pick the largest image with the most colours (width 0 means 256).
    int best = -1;
    uint64_t best_score = 0;
    for (uint32_t i = 0; i < count; ++i) {
      uint32_t e = 6 + i * 14;
      uint32_t w = g.U(e, 1) ? g.U(e, 1) : 256;
      uint64_t score = uint64_t{w} * 64 + g.U16(e + 6);
      if (score > best_score) best = static_cast<int>(i), best_score = score;
    }
    uint32_t e = 6 + best * 14;
    auto image = Find(kRtIcon, g.U16(e + 12));
    if (!image || image->size() > kMaxIconBytes) return {};
    std::string ico;
    auto put16 = [&](uint32_t v) { ico += char(v & 0xff), ico += char(v >> 8); };
    auto put32 = [&](uint32_t v) { put16(v & 0xffff), put16(v >> 16); };
    put16(0), put16(1), put16(1);
    ico.append(group->substr(e, 8));  // width, height, colours, reserved, planes, bits
    put32(static_cast<uint32_t>(image->size()));
    put32(6 + 16);
    ico.append(*image);
    return ico;
  }

  // FileDescription (else ProductName) from VS_VERSIONINFO.
  std::string VersionName() {
    auto v = Find(kRtVersion, 0);
    if (!v) return {};
    std::string description, product;
    Walk(*v, 0, v->size(), 0, description, product);
    return description.empty() ? product : description;
  }

  // One node: wLength u16 | wValueLength u16 | wType u16 | key (UTF-16,
  // NUL-terminated) | pad to 4 | value | pad to 4 | children.
  static void Walk(std::string_view v, size_t off, size_t end, int depth, std::string& description,
                   std::string& product) {
    Bytes b{v};
    while (off + 6 <= end && depth < 4) {
      size_t len = b.U16(off);
      size_t value_len = b.U16(off + 2);
      bool text = b.U16(off + 4) == 1;
      if (len < 6 || off + len > end) return;
      size_t p = off + 6;
      std::string key;
      while (p + 2 <= off + len && b.U16(p) != 0) key += Utf8(b.U16(p)), p += 2;
      p = (p + 2 + 3) & ~size_t{3};
      if (depth == 3 && text) {
        std::string value;
        for (size_t i = 0; i < value_len && p + 2 * i + 2 <= off + len; ++i) {
          uint16_t c = b.U16(p + 2 * i);
          if (c == 0) break;
          value += Utf8(c);
        }
        if (key == "FileDescription" && description.empty()) description = value;
        if (key == "ProductName" && product.empty()) product = value;
      } else {
        size_t value_bytes = text ? value_len * 2 : value_len;
        size_t children = (p + value_bytes + 3) & ~size_t{3};
        if (depth == 0 || key == "StringFileInfo" || depth == 2)
          Walk(v, children, off + len, depth + 1, description, product);
      }
      off = (off + len + 3) & ~size_t{3};
    }
  }

  // UTF-16 code unit to UTF-8; surrogates and controls become '?'.
  static std::string Utf8(uint16_t c) {
    std::string s;
    if (c < 0x20 || (c >= 0xd800 && c < 0xe000)) return "?";
    if (c < 0x80) {
      s += char(c);
    } else if (c < 0x800) {
      s += char(0xc0 | (c >> 6)), s += char(0x80 | (c & 0x3f));
    } else {
      s += char(0xe0 | (c >> 12)), s += char(0x80 | ((c >> 6) & 0x3f)),
          s += char(0x80 | (c & 0x3f));
    }
    return s;
  }

  Bytes b_;
  std::vector<Section> sections_;
  uint64_t res_ = 0;
};

}  // namespace

const char* PeMachineName(PeMachine m) {
  switch (m) {
    case PeMachine::kI386:
      return "i386";
    case PeMachine::kAmd64:
      return "x86_64";
    case PeMachine::kArm64:
      return "arm64";
    case PeMachine::kArmNt:
      return "arm";
    case PeMachine::kOther:
      return "other";
  }
  return "other";
}

Result<PeInfo> ReadPe(std::string_view data) { return Reader(data).Read(); }

Result<PeInfo> ReadPeFile(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::FromErrno("open " + path);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Error::FromErrno("stat " + path);
  if (!S_ISREG(st.st_mode)) return Bad(path + " is not a regular file");
  if (st.st_size == 0) return Bad("not a Windows program (empty file)");
  void* p = mmap(nullptr, st.st_size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (p == MAP_FAILED) return Error::FromErrno("mmap " + path);
  auto r = ReadPe(std::string_view(static_cast<const char*>(p), st.st_size));
  munmap(p, st.st_size);
  return r;
}

}  // namespace vmi::apps
