#include "runtime/image/tar_reader.h"

#include <cstring>

namespace vmi::image {
namespace {

constexpr size_t kBlock = 512;
constexpr uint64_t kMaxMeta = 1 << 20;  // pax / long-name data we accept

Error Bad(const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, "malformed tar archive: " + what);
}

std::string Field(const unsigned char* p, size_t n) {
  size_t len = strnlen(reinterpret_cast<const char*>(p), n);
  return std::string(reinterpret_cast<const char*>(p), len);
}

Result<uint64_t> Number(const unsigned char* p, size_t n, const char* what) {
  if (p[0] & 0x80) {  // base-256 (GNU): big-endian, first byte's top bit is a flag
    if (p[0] & 0x40) return Bad(std::string("negative ") + what);
    uint64_t v = p[0] & 0x3f;
    for (size_t i = 1; i < n; ++i) {
      if (v >> 56) return Bad(std::string(what) + " too large");
      v = (v << 8) | p[i];
    }
    return v;
  }
  uint64_t v = 0;
  size_t i = 0;
  while (i < n && p[i] == ' ') ++i;
  bool any = false;
  for (; i < n && p[i] >= '0' && p[i] <= '7'; ++i) {
    if (v >> 60) return Bad(std::string(what) + " too large");
    v = v * 8 + (p[i] - '0');
    any = true;
  }
  for (; i < n; ++i) {
    if (p[i] != ' ' && p[i] != 0) return Bad(std::string("bad ") + what + " field");
  }
  if (!any) return uint64_t{0};
  return v;
}

uint64_t Padded(uint64_t n) { return (n + kBlock - 1) / kBlock * kBlock; }

}  // namespace

Result<void> TarReader::Feed(std::string_view data) {
  while (!data.empty()) {
    if (ended_) return Ok();  // anything after the end marker is ignored
    if (meta_left_ > 0) {
      size_t n = std::min<uint64_t>(meta_left_, data.size());
      meta_.append(data.data(), n);
      meta_left_ -= n;
      data.remove_prefix(n);
      if (meta_left_ == 0) {
        skip_ = meta_pad_;
        auto r = OnMetaData();
        if (!r.ok()) return r;
      }
      continue;
    }
    if (skip_ > 0) {
      size_t n = std::min<uint64_t>(skip_, data.size());
      skip_ -= n;
      data.remove_prefix(n);
      continue;
    }
    size_t n = std::min(kBlock - block_.size(), data.size());
    block_.append(data.data(), n);
    data.remove_prefix(n);
    if (block_.size() == kBlock) {
      std::string header = std::move(block_);
      block_.clear();
      auto r = OnHeader(reinterpret_cast<const unsigned char*>(header.data()));
      if (!r.ok()) return r;
    }
  }
  return Ok();
}

Result<void> TarReader::Finish() {
  if (ended_) return Ok();
  if (!block_.empty() || skip_ > 0 || meta_left_ > 0) return Bad("truncated");
  // Some writers omit the end marker; a stream that stops between members
  // is accepted, but an archive without a single member is not.
  if (entries_ == 0 && zero_blocks_ == 0) return Bad("empty");
  return Ok();
}

Result<void> TarReader::OnHeader(const unsigned char* h) {
  bool zero = true;
  for (size_t i = 0; i < kBlock && zero; ++i) zero = h[i] == 0;
  if (zero) {
    if (++zero_blocks_ == 2) ended_ = true;
    return Ok();
  }
  zero_blocks_ = 0;
  uint64_t stored_sum = VMI_TRY(Number(h + 148, 8, "checksum"));
  uint64_t sum = 0;
  for (size_t i = 0; i < kBlock; ++i) sum += (i >= 148 && i < 156) ? ' ' : h[i];
  if (sum != stored_sum) return Bad("header checksum mismatch");

  char type = static_cast<char>(h[156]);
  uint64_t size = VMI_TRY(Number(h + 124, 12, "size"));
  if (type == 'x' || type == 'L' || type == 'K') {
    if (size > kMaxMeta) return Bad("extended header too large");
    meta_type_ = type;
    meta_.clear();
    meta_left_ = size;
    meta_pad_ = Padded(size) - size;
    if (size == 0) return OnMetaData();
    return Ok();
  }
  if (type == 'g') {  // pax global header: nothing we use
    skip_ = Padded(size);
    return Ok();
  }
  TarEntry e;
  bool ustar = memcmp(h + 257, "ustar\0", 6) == 0;
  std::string name = Field(h, 100);
  if (ustar) {
    std::string prefix = Field(h + 345, 155);
    if (!prefix.empty()) name = prefix + "/" + name;
  }
  e.path = next_path_.empty() ? name : next_path_;
  e.link = next_link_.empty() ? Field(h + 157, 100) : next_link_;
  e.size = has_next_size_ ? next_size_ : size;
  e.mode = static_cast<uint32_t>(VMI_TRY(Number(h + 100, 8, "mode")) & 07777);
  next_path_.clear();
  next_link_.clear();
  has_next_size_ = false;
  switch (type) {
    case '0': case '\0': case '7': e.type = '0'; break;
    case '1': case '2': case '3': case '4': case '5': case '6': e.type = type; break;
    default:
      return Bad(std::string("unsupported member type '") +
                 (type >= 32 && type < 127 ? std::string(1, type) : "\\x" + std::to_string(type)) +
                 "' for " + e.path);
  }
  if (e.path.empty()) return Bad("member without a name");
  // Only regular files carry data (a hard link's size field may be set but
  // no data follows in practice for ustar/GNU; pax size counts likewise).
  skip_ = e.type == '0' ? Padded(e.size) : 0;
  ++entries_;
  return on_entry_(e);
}

Result<void> TarReader::OnMetaData() {
  char type = meta_type_;
  meta_type_ = 0;
  std::string data = std::move(meta_);
  meta_.clear();
  if (type == 'L' || type == 'K') {
    std::string value(data.c_str());  // NUL-terminated inside the data
    (type == 'L' ? next_path_ : next_link_) = value;
    return Ok();
  }
  // pax: "<len> <key>=<value>\n" records; len counts the whole record.
  size_t pos = 0;
  while (pos < data.size()) {
    size_t space = data.find(' ', pos);
    if (space == std::string::npos) return Bad("pax record without length");
    uint64_t len = 0;
    for (size_t i = pos; i < space; ++i) {
      if (data[i] < '0' || data[i] > '9' || len > kMaxMeta) return Bad("bad pax record length");
      len = len * 10 + (data[i] - '0');
    }
    if (len <= space - pos + 1 || pos + len > data.size() || data[pos + len - 1] != '\n')
      return Bad("bad pax record");
    std::string record = data.substr(space + 1, pos + len - space - 2);
    size_t eq = record.find('=');
    if (eq == std::string::npos) return Bad("pax record without '='");
    std::string key = record.substr(0, eq), value = record.substr(eq + 1);
    if (key == "path") {
      next_path_ = value;
    } else if (key == "linkpath") {
      next_link_ = value;
    } else if (key == "size") {
      uint64_t v = 0;
      if (value.empty() || value.size() > 19) return Bad("bad pax size");
      for (char c : value) {
        if (c < '0' || c > '9') return Bad("bad pax size");
        v = v * 10 + (c - '0');
      }
      has_next_size_ = true;
      next_size_ = v;
    }
    pos += len;
  }
  return Ok();
}

}  // namespace vmi::image
